"""A report's or incident's page reads one snapshot: a webhook committed between two of its reads never shows half."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from tests.incidents.test_views import FIELDS
from webapp.incidents.services import create_incident
from webapp.models.types import utcnow
from webapp.reports.services import create_report

pytestmark = pytest.mark.postgres
LINE = "Priority set to P1 in PagerDuty by Responder."


@contextmanager
def webhook_lands_after_first(db, table, subject_column, subject_id):
    """Commit, from another connection, what the priority webhook commits (the mirrored priority and its timeline
    line) right after the page's first statement that reads `table`; yields a list that says whether it did."""
    landed = []

    def after(connection, _cursor, statement, *_):
        if landed or not re.search(rf"\bFROM {table}\b", statement):
            return
        landed.append(statement)
        with db.engine.connect() as other:
            other.execute(text(f"UPDATE {table} SET pd_priority = 'P1' WHERE id = :id"), {"id": subject_id})
            other.execute(
                text(
                    f"INSERT INTO timeline_entries (org_id, kind, message, at, {subject_column}) "
                    f"SELECT org_id, 'pagerduty.priority', :message, :at, id FROM {table} WHERE id = :id"
                ),
                {"message": LINE, "at": utcnow(), "id": subject_id},
            )
            other.commit()

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield landed
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def both_or_neither(page):
    """The timeline line and the priority field agree: both old or both new."""
    priority = re.search(r'data-mirror="priority">([^<]*)<', page).group(1)
    return (LINE in page, priority) in ((False, "None set"), (True, "P1"))


def test_the_report_page_shows_a_webhook_whole_or_not_at_all(admin_client, db, org):
    report = create_report(org.id, "Stored XSS")
    report.pd_status = "triggered"
    db.session.commit()
    with webhook_lands_after_first(db, "reports", "report_id", report.id) as landed:
        page = admin_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert landed and both_or_neither(page) and "None set" in page
    page = admin_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert LINE in page and both_or_neither(page)


def test_the_incident_page_shows_a_webhook_whole_or_not_at_all(admin_client, db, org):
    incident, _ = create_incident(org.id, FIELDS)
    incident.pd_status = "triggered"
    db.session.commit()
    with webhook_lands_after_first(db, "incidents", "incident_id", incident.id) as landed:
        page = admin_client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert landed and both_or_neither(page) and "None set" in page
    page = admin_client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert LINE in page and both_or_neither(page)


@pytest.mark.parametrize(
    ("path", "target"),
    [("/reports/", "report-rows"), ("/incidents/", "incident-rows"), ("/reports/1", None), ("/incidents/1", None)],
)
def test_pages_and_their_fragments_read_in_one_repeatable_read_transaction(htmx_client, db, org, path, target):
    create_report(org.id, "Open redirect")
    create_incident(org.id, FIELDS)
    db.session.commit()
    levels = []

    def note(connection, *_):
        levels.append(connection.get_execution_options().get("isolation_level"))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        headers = {"HX-Target": target} if target else {}
        response = htmx_client.get(path, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200 and levels and set(levels) == {"REPEATABLE READ"}
    assert db.session.connection().get_isolation_level() == "READ COMMITTED"  # the snapshot ended with the page
