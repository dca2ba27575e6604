"""A report's or incident's page reads one snapshot: a webhook committed between two of its reads never shows half."""

import re
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from tests.incidents.test_views import FIELDS
from webapp.incidents.services import create_incident
from webapp.models.types import utcnow
from webapp.reports.services import create_report

LINE = "Priority set to P1 in PagerDuty by Responder."


@contextmanager
def webhook_lands_between_reads(db, table, subject_column, subject_id):
    """Commit, from another connection, what the priority webhook commits (the mirrored priority and its timeline
    line) just before the page reads the timeline, after it read the row; yields a list that says it was tried.

    The writer waits up to 1 s in the page's way: PostgreSQL lets it commit at once (the page's snapshot is older);
    SQLite holds it back until the page's transaction ends. Either way it has committed when the block ends.
    """
    landed, writers, engine = [], [], db.engine

    def write():
        with engine.connect() as other:
            other.execute(text(f"UPDATE {table} SET pd_priority = 'P1' WHERE id = :id"), {"id": subject_id})
            other.execute(
                text(
                    f"INSERT INTO timeline_entries (org_id, kind, message, at, {subject_column}) "
                    f"SELECT org_id, 'pagerduty.priority', :message, :at, id FROM {table} WHERE id = :id"
                ),
                {"message": LINE, "at": utcnow(), "id": subject_id},
            )
            other.commit()
            landed.append(True)

    def before(_connection, _cursor, statement, *_):
        if writers or not re.search(r"\bFROM timeline_entries\b", statement):
            return
        writers.append(threading.Thread(target=write))
        writers[0].start()
        writers[0].join(timeout=1)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield writers
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    for writer in writers:
        writer.join(timeout=10)
    assert landed == [True]


def both_or_neither(page):
    """The timeline line and the priority field agree: both old or both new."""
    priority = re.search(r'data-mirror="priority">([^<]*)<', page).group(1)
    return (LINE in page, priority) in ((False, "None set"), (True, "P1"))


def test_the_report_page_shows_a_webhook_whole_or_not_at_all(admin_client, db, org):
    report = create_report(org.id, "Stored XSS")
    report.pd_status = "triggered"
    db.session.commit()
    with webhook_lands_between_reads(db, "reports", "report_id", report.id) as tried:
        page = admin_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert tried and both_or_neither(page) and "None set" in page
    page = admin_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert LINE in page and both_or_neither(page)


def test_the_incident_page_shows_a_webhook_whole_or_not_at_all(admin_client, db, org):
    incident, _ = create_incident(org.id, FIELDS)
    incident.pd_status = "triggered"
    db.session.commit()
    with webhook_lands_between_reads(db, "incidents", "incident_id", incident.id) as tried:
        page = admin_client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert tried and both_or_neither(page) and "None set" in page
    page = admin_client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert LINE in page and both_or_neither(page)


@pytest.mark.postgres
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
