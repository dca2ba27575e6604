"""Rows read once per unit of work, and kept loaded where the unit of work owns them."""

from tests.sql import recorded
from webapp.models import Connection, Incident
from webapp.orgs.services import settings_for
from webapp.pagerduty.accounts import connection_for
from webapp.timeline import add_entry, entries_for, start_timeline
from webapp.unit_of_work import held, kept_loaded, remembered


def count_statements(db, action):
    with recorded(db.engine) as statements:
        action()
    return len(statements)


def test_a_held_row_is_read_once_until_the_commit(db, org):
    db.session.commit()
    assert count_statements(db, lambda: [settings_for(org.id).alert_rules for _ in range(3)]) == 1
    db.session.commit()
    assert count_statements(db, lambda: settings_for(org.id).alert_rules) == 1  # expired by the commit: read again


def test_remembered_reads_once_and_forgets_rows_the_session_dropped(db, org):
    db.session.add(Connection(org_id=org.id, method="routing_key", state="connected"))
    db.session.commit()
    db.session.expunge_all()
    assert count_statements(db, lambda: [connection_for(org.id) for _ in range(3)]) == 1
    db.session.rollback()
    db.session.expunge_all()
    assert count_statements(db, lambda: connection_for(org.id)) == 1
    assert remembered("nothing", 1, lambda: None) is None
    assert held(None) is None


def test_kept_loaded_keeps_rows_through_a_commit_and_expires_them_after(db, org):
    incident = Incident(
        org_id=org.id, kind="cloud", title="Public bucket", severity="low", provider="aws", resource_id="b-1"
    )
    db.session.add(incident)
    with kept_loaded():
        db.session.commit()
        assert count_statements(db, lambda: incident.title) == 0
    assert count_statements(db, lambda: incident.title) == 1


def test_a_new_subject_keeps_its_timeline_in_memory(db, org):
    incident = Incident(
        org_id=org.id, kind="cloud", title="Public bucket", severity="low", provider="aws", resource_id="b-2"
    )
    db.session.add(incident)
    db.session.flush()
    start_timeline(incident)
    add_entry(incident, "incident.created", "Detected.")
    add_entry(incident, "incident.status", "Investigating.")
    assert count_statements(db, lambda: entries_for(incident)) == 0
    incident_id = incident.id
    db.session.commit()
    db.session.expunge_all()
    stored = db.session.get(Incident, incident_id)
    assert [entry.kind for entry in entries_for(stored)] == ["incident.created", "incident.status"]
    add_entry(stored, "incident.root_cause", "Root cause updated.")
    assert [entry.kind for entry in entries_for(stored)][-1] == "incident.root_cause"
