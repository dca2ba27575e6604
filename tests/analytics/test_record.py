"""What each recording does, in any order: the earliest acknowledgement, the latest resolution, reopenings."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam

from webapp.analytics import record
from webapp.models import Incident
from webapp.models.types import UTCDateTime

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def minutes(n):
    return T0 + timedelta(minutes=n)


@pytest.fixture()
def item(db, org):
    incident = Incident(org_id=org.id, kind="kubernetes", title="t", severity="high", created_at=T0)
    db.session.add(incident)
    db.session.commit()
    return incident


def test_paged_once_then_pagerdutys_own_time_replaces_ours(item):
    record.note_paged(item, minutes(2), "Platform", "error")
    record.note_paged(item, minutes(3), "Other", "critical")  # a retrigger: the first stays
    assert (item.pd_paged_at, item.pd_service, item.pd_severity) == (minutes(2), "Platform", "error")
    record.note_status(item, "triggered", minutes(1) + timedelta(seconds=59))  # PagerDuty's time of it
    assert item.pd_paged_at == minutes(1) + timedelta(seconds=59) and item.pd_paged_exact
    assert item.pd_page_seconds == 119


def test_first_acknowledgement_is_the_earliest_whatever_the_order(item):
    record.note_paged(item, minutes(1), "Platform", "error")
    record.note_acknowledged(item, minutes(10), "Ada")
    record.note_acknowledged(item, minutes(5), "Bob")  # late webhook, earlier time
    record.note_acknowledged(item, minutes(20), "Carol")  # repeated after an unacknowledge
    assert (item.pd_acknowledged_at, item.pd_acknowledged_by, item.pd_ack_seconds) == (minutes(5), "Bob", 240)


def test_reopening_clears_the_resolution_and_a_stale_one_does_not_come_back(item):
    record.note_paged(item, minutes(1), "Platform", "error")
    record.note_resolved(item, minutes(30))
    assert item.pd_resolve_seconds == 29 * 60
    record.note_reopened(item, minutes(40))
    assert item.pd_resolved_at is None and item.pd_resolve_seconds is None
    record.note_resolved(item, minutes(35))  # a late webhook from before the reopening
    assert item.pd_resolved_at is None
    record.note_resolved(item, minutes(90))
    record.note_resolved(item, minutes(60))  # an older resolution arriving late never moves it back
    assert item.pd_resolved_at == minutes(90) and item.pd_resolve_seconds == 89 * 60


def test_a_trigger_after_the_resolution_reopens(item):
    record.note_paged(item, minutes(1), "Platform", "error")
    record.note_resolved(item, minutes(30))
    record.note_paged(item, minutes(45), "Platform", "error")
    assert item.pd_resolved_at is None and item.pd_reopened_at == minutes(45) and item.pd_paged_at == minutes(1)


def test_a_reopening_older_than_the_resolution_changes_nothing(item):
    record.note_paged(item, minutes(1), "Platform", "error")
    record.note_resolved(item, minutes(30))
    record.note_reopened(item, minutes(20))
    assert item.pd_resolved_at == minutes(30)


def page_in_sql(db, item, at, service="Platform", severity="error"):
    """The sender's paging write: `paged_values` in one UPDATE, as note_paged would do it in Python."""
    given = (bindparam("paged_at", type_=UTCDateTime()), bindparam("paged_service"), bindparam("paged_severity"))
    statement = db.update(Incident).where(Incident.id == item.id).values(**record.paged_values(Incident, *given))
    db.session.execute(statement, {"paged_at": at, "paged_service": service, "paged_severity": severity})
    db.session.commit()
    db.session.refresh(item)


def test_the_senders_paging_in_one_statement_keeps_the_same_rules(db, item):
    page_in_sql(db, item, minutes(2))
    assert (item.pd_paged_at, item.pd_service, item.pd_severity, item.pd_paged_exact) == (
        minutes(2),
        "Platform",
        "error",
        False,
    )
    assert item.pd_page_seconds == 120
    record.note_acknowledged(item, minutes(4), "Ada")
    record.note_resolved(item, minutes(30))
    db.session.commit()
    page_in_sql(db, item, minutes(3), "Other", "critical")  # a retrigger before the resolution: nothing moves
    assert (item.pd_paged_at, item.pd_service, item.pd_resolved_at) == (minutes(2), "Platform", minutes(30))
    assert (item.pd_ack_seconds, item.pd_resolve_seconds) == (120, 28 * 60)
    page_in_sql(db, item, minutes(45))  # a trigger after the resolution reopens
    assert (item.pd_resolved_at, item.pd_resolve_seconds, item.pd_reopened_at) == (None, None, minutes(45))
    assert item.pd_paged_at == minutes(2) and item.pd_page_seconds == 120


def test_the_senders_paging_keeps_known_service_and_severity_when_the_delivery_has_none(db, item):
    item.pd_service, item.pd_severity = "Known", "warning"
    db.session.commit()
    page_in_sql(db, item, minutes(1), None, None)
    assert (item.pd_service, item.pd_severity, item.pd_page_seconds) == ("Known", "warning", 60)
