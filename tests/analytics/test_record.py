"""What each recording does, in any order: the earliest acknowledgement, the latest resolution, reopenings."""

from datetime import UTC, datetime, timedelta

import pytest

from webapp.analytics import record
from webapp.models import Incident

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
