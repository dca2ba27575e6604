"""Reconciliation reads war rooms back too: a lost webhook of a war room's PagerDuty incident still reaches its
response record (PagerDuty's time of the trigger, the first acknowledgement, the resolution, a reopening)."""

from datetime import timedelta

import pytest
import requests

from sandbox.incidents import iso
from tests.conftest import PD_TOKEN, VDP_KEY
from tests.sending import send_now
from webapp.alerts.events import on_war_room_activated, war_room_key
from webapp.extensions import db as database
from webapp.models import WarRoom
from webapp.models.types import utcnow
from webapp.reports.services import create_report
from webapp.webhooks import reconcile


def paged_war_room(org, send=True):
    """War room #1 of `org` (two reports at risk, their own triggers not sent), its trigger accepted by the sandbox
    (unless not `send`)."""
    reports = [create_report(org.id, title) for title in ("first", "second")]
    room = WarRoom(org_id=org.id, number=1, report_ids=[r.id for r in reports], activated_at=utcnow())
    database.session.add(room)
    database.session.flush()
    delivery = on_war_room_activated(room)
    database.session.commit()
    assert not send or send_now(delivery.id) == "delivered"
    return room.id


def room(room_id):
    database.session.expire_all()
    return database.session.get(WarRoom, room_id)


def in_sandbox(pd, room_id, action):
    """Acknowledge, resolve or reopen the war room's PagerDuty incident, its webhook lost."""
    incident = pd.state.incident_by_key(war_room_key(room(room_id)))
    path = f"story/{action}" if action == "reopen" else action
    user_id = next(iter(pd.state.accounts.values())).users[0]["id"]
    answer = requests.post(f"{pd.url}/_sandbox/incidents/{incident['id']}/{path}?webhook=0", json={"user_id": user_id})
    assert answer.status_code == 200, answer.text
    return incident


def later(minutes):
    return utcnow() + timedelta(minutes=minutes)


def test_a_war_rooms_lost_acknowledgement_resolution_and_reopening_are_read_back(db, connected, pd):
    room_id = paged_war_room(connected)
    assert reconcile.quiet_war_rooms(connected.id, utcnow()) == []  # paged a moment ago: not quiet yet
    incident = in_sandbox(pd, room_id, "acknowledge")
    lines = reconcile.reconcile_org(connected.id, now=later(11))
    assert "war room 1 paged at PagerDuty's time, acknowledged by Responder (found by reconciliation)" in lines[1]
    acknowledged = room(room_id)
    assert iso(acknowledged.pd_paged_at.timestamp()) == iso(incident["created_at"]) and acknowledged.pd_paged_exact
    assert acknowledged.pd_acknowledged_by == "Responder" and acknowledged.pd_ack_seconds is not None
    assert acknowledged.pd_service == "Security VDP"

    in_sandbox(pd, room_id, "resolve")
    lines = reconcile.reconcile_org(connected.id, now=later(22))
    assert lines[1].endswith("war room 1 resolved (found by reconciliation)"), lines
    assert room(room_id).pd_resolved_at is not None and room(room_id).pd_resolve_seconds is not None

    in_sandbox(pd, room_id, "reopen")
    lines = reconcile.reconcile_org(connected.id, now=later(33))
    assert lines[1].endswith("war room 1 reopened (found by reconciliation)"), lines
    reopened = room(room_id)
    assert reopened.pd_resolved_at is None and reopened.pd_reopened_at is not None

    lines = reconcile.reconcile_org(connected.id, now=later(44))
    assert lines == [f"{connected.slug}: 1 quiet open PagerDuty incidents checked with 1 call: 0 updated"]


def test_a_war_room_resolved_a_day_ago_or_never_paged_is_not_read(db, connected, pd):
    room_id = paged_war_room(connected)
    never = WarRoom(org_id=connected.id, number=2, report_ids=[], activated_at=utcnow(), ended_at=utcnow())
    database.session.add(never)
    database.session.commit()
    assert [r.id for r in reconcile.quiet_war_rooms(connected.id, later(11))] == [room_id]
    watched = room(room_id)
    watched.pd_resolved_at = utcnow()
    database.session.commit()
    assert [r.id for r in reconcile.quiet_war_rooms(connected.id, later(11))] == [room_id]
    assert reconcile.quiet_war_rooms(connected.id, later(60 * 24 + 11)) == []


@pytest.mark.parametrize("grouped", [False, True])
def test_another_orgs_war_room_of_the_same_number_is_not_taken(db, connected, pd, grouped):
    from tests import factories
    from webapp.connection.services import connect_api_token

    other = factories.org_with_users(slug=f"{connected.slug}-1")
    connect_api_token(other.id, PD_TOKEN, VDP_KEY)
    ours, theirs = paged_war_room(connected), paged_war_room(other)
    in_sandbox(pd, theirs, "acknowledge")
    if grouped:  # no incident_key: PagerBridge reads the keys of the incident's alerts
        pd.state.incident_by_key(war_room_key(room(theirs)))["incident_key"] = ""
    reconcile.reconcile_org(connected.id, now=later(11))
    assert room(ours).pd_acknowledged_at is None
    reconcile.reconcile_org(other.id, now=later(11))
    assert room(theirs).pd_acknowledged_by == "Responder"
