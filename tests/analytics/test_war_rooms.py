"""A war-room activation counts like a report or incident: paged when PagerDuty accepts its trigger, acknowledged and
resolved by PagerDuty's signed webhooks (either shape), only in its own org."""

import csv
import io
import json
from datetime import timedelta

import pytest
import time_machine

from tests import factories
from tests.analytics import scenario
from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY
from tests.webhooks.test_views import SECRET, post, sign
from webapp.models import WarRoom, WebhookReceipt, WebhookSecret
from webapp.reports.services import create_report
from webapp.sla.evaluator import evaluate
from webapp.webhooks import services as webhooks

RULES_OFF = {name: {"enabled": False} for name in ("new_report", "sla_at_risk", "sla_breached", "critical_assessed")}
ACTIVATED = scenario.at(4)  # 19 h after two critical reports were submitted the evening before: both at risk


def duration(median, p90):
    return {"median": median, "p90": p90}


FIGURES = {
    "paged": 1,
    "acknowledged": 1,
    "resolved": 1,
    "time_to_page": duration(90, 90),  # activated 04:00, PagerDuty accepted the trigger 04:01:30
    "time_to_acknowledge": duration(210, 210),  # Ada at 04:05
    "time_to_resolve": duration(3600, 3600),  # resolved 04:30, reopened 04:40, resolved again 05:01:30
    "sla": {"met": 0, "breached": 0, "open": 0},  # SLA figures are reports' only
}


def grouped_webhook(client, org, db, incident, event_type, occurred, agent):
    """A signed webhook about a grouped PagerDuty incident (no incident_key): found through its alerts' keys."""
    event = {
        "id": f"EVTG{incident['id']}{occurred:%H%M%S}",
        "event_type": event_type,
        "occurred_at": occurred.isoformat().replace("+00:00", "Z"),
        "agent": {"id": "PUSR", "summary": agent, "type": "user_reference"},
        "data": {"id": incident["id"], "type": "incident", "incident_key": None},
    }
    body = json.dumps({"event": event}).encode()
    assert post(client, org, body, sign(body, SECRET), event["id"]).status_code == 202
    outcome = webhooks.apply_receipt(db.session.scalar(db.select(WebhookReceipt.id).filter_by(webhook_id=event["id"])))
    db.session.expire_all()
    return outcome


def activate_war_rooms(*orgs):
    """Two critical reports in each org, at risk together at ACTIVATED: the evaluator opens war room #1 of each."""
    from webapp.transfer.services import import_settings

    for org in orgs:
        import_settings(org.id, {"alert_rules": RULES_OFF})
        with time_machine.travel(ACTIVATED - timedelta(hours=19), tick=False):
            create_report(org.id, "first", severity="critical")
            create_report(org.id, "second", severity="critical")
    with time_machine.travel(ACTIVATED, tick=False):
        assert [room.number for room in evaluate()["war_rooms_activated"]] == [1] * len(orgs)


@pytest.fixture()
def war_room(app, api, client, db, connected, pd):
    """Ours paged, acknowledged by Ada (incident_key shape), resolved, reopened and resolved again (grouped shape);
    the other org's (slug: ours plus "-1") paged the same minute and never acknowledged."""
    from webapp.connection.services import connect_api_token

    factories.default_service(connected.id, DEFAULT_KEY)
    other = factories.org_with_users(slug=f"{connected.slug}-1")
    connect_api_token(other.id, PD_TOKEN, VDP_KEY)
    db.session.add(WebhookSecret(org_id=connected.id, secret=SECRET))
    db.session.commit()
    activate_war_rooms(connected, other)
    scenario.send_pending(db, ACTIVATED + timedelta(seconds=90))
    key = f"war-room-{connected.slug}-1"
    outcome = scenario.webhook(client, connected, db, "incident.acknowledged", key, scenario.at(4, 5), "Ada", "VDP")
    assert outcome == "acknowledged via pagerduty on war room 1"
    incident = pd.state.incident_by_key(key)
    incident["incident_key"] = ""  # grouped: PagerBridge reads the keys of its alerts
    for event_type, minutes in (("incident.resolved", 30), ("incident.reopened", 40), ("incident.resolved", 61.5)):
        occurred = scenario.at(4, minutes)
        assert grouped_webhook(client, connected, db, incident, event_type, occurred, "Bob").endswith("on war room 1")
    return {"ours": db.session.scalar(db.select(WarRoom).filter_by(org_id=connected.id)), "other": other}


def test_a_war_room_is_paged_acknowledged_and_resolved_in_pagerdutys_times(db, war_room):
    room = war_room["ours"]
    assert room.pd_paged_at == ACTIVATED + timedelta(seconds=90) and room.pd_severity == "error"
    assert (room.pd_acknowledged_at, room.pd_acknowledged_by) == (scenario.at(4, 5), "Ada")
    assert room.pd_resolved_at == scenario.at(5, 1, 30) and room.pd_service == "VDP"
    assert (room.pd_page_seconds, room.pd_ack_seconds, room.pd_resolve_seconds) == (90, 210, 3600)


@pytest.mark.parametrize(
    ("group_by", "key"), [("kind", "war_room"), ("service", "VDP"), ("severity", "error"), ("responder", "Ada")]
)
def test_every_grouping_counts_the_war_room(api, war_room, group_by, key):
    answer = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": group_by}).json
    assert answer["total"] == FIGURES
    assert answer["groups"] == [{"key": key, **FIGURES}]


def test_csv_page_and_click_list_show_the_war_room(api, admin_client, war_room):
    response = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "kind", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["key"], row["paged"], row["time_to_page_median"], row["time_to_resolve_p90"]) for row in rows] == [
        ("war_room", "1", "90", "3600")
    ]
    page = admin_client.get("/analytics/", query_string={"from": "2026-11-02", "to": "2026-11-02", "group_by": "kind"})
    html = page.get_data(as_text=True)
    assert 'data-total="paged">1<' in html and 'data-key="war_room"' in html
    items = admin_client.get(
        "/analytics/items", query_string={**scenario.WINDOW, "group_by": "kind", "key": "war_room"}
    )
    html = items.get_data(as_text=True)
    assert f'data-item="war_room-{war_room["ours"].id}"' in html and "War room #1" in html
    assert html.count("data-item=") == 1


def test_another_orgs_war_room_is_theirs_and_unknown_numbers_are_ignored(app, client, db, connected, war_room):
    other = war_room["other"]
    theirs = db.session.scalar(db.select(WarRoom).filter_by(org_id=other.id))
    assert theirs.pd_paged_at == ACTIVATED + timedelta(seconds=90) and theirs.pd_acknowledged_at is None
    ours = f"war-room-{connected.slug}"
    for key in (f"war-room-{other.slug}-1", f"{ours}-2", f"{ours}-x", f"{ours}-1-1", f"{ours}-{'9' * 12}"):
        outcome = scenario.webhook(client, connected, db, "incident.acknowledged", key, scenario.at(6), "Eve")
        assert outcome == "ignored: matches no report, incident or war room"
    db.session.refresh(theirs)
    assert theirs.pd_acknowledged_at is None
    other_api = factories.ApiClient(app.test_client(), other.api_token)
    answer = other_api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "kind"}).json
    assert answer["groups"] == [
        {
            "key": "war_room",
            "paged": 1,
            "acknowledged": 0,
            "resolved": 0,
            "time_to_page": duration(90, 90),
            "time_to_acknowledge": duration(None, None),
            "time_to_resolve": duration(None, None),
            "sla": {"met": 0, "breached": 0, "open": 0},
        }
    ]
