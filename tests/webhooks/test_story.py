"""PagerDuty's whole story (F47) from realistic v3 payloads, in both shapes: with `incident_key`, and without it
(matched by PagerDuty's incident id, as notes always are)."""

import json

import pytest

from tests.webhooks.test_views import SECRET, post, sign
from webapp.models import Delivery, Report, TimelineEntry, WebhookReceipt, WebhookSecret
from webapp.reports.services import create_report
from webapp.webhooks import services

PD_ID, WEB, API = "Q1ZYBKFBSEM2XB", "https://acme.pagerduty.com", "https://api.pagerduty.com"
SHAPES = ["with_incident_key", "without_incident_key"]


def user(name, user_id="PLH1HKV"):
    return {
        "html_url": f"{WEB}/users/{user_id}",
        "id": user_id,
        "self": f"{API}/users/{user_id}",
        "summary": name,
        "type": "user_reference",
    }


def incident(key, status="triggered", assignees=("Ada Lovelace",), priority=None, urgency="high", shape=SHAPES[0]):
    """An incident as a v3 webhook's data holds it (captured from a real account, ids changed)."""
    data = {
        "id": PD_ID,
        "type": "incident",
        "self": f"{API}/incidents/{PD_ID}",
        "html_url": f"{WEB}/incidents/{PD_ID}",
        "number": 2043,
        "status": status,
        "incident_key": key,
        "created_at": "2026-11-22T09:58:12Z",
        "title": "[report] SQLi in login",
        "service": {
            "html_url": f"{WEB}/services/PF9KMXH",
            "id": "PF9KMXH",
            "self": f"{API}/services/PF9KMXH",
            "summary": "Security",
            "type": "service_reference",
        },
        "assignees": [user(name, f"PU{n:05d}") for n, name in enumerate(assignees)],
        "escalation_policy": {
            "html_url": f"{WEB}/escalation_policies/PUS0KTE",
            "id": "PUS0KTE",
            "self": f"{API}/escalation_policies/PUS0KTE",
            "summary": "Default",
            "type": "escalation_policy_reference",
        },
        "teams": [],
        "priority": priority
        and {
            "html_url": f"{WEB}/account/incident_priorities",
            "id": "PSO75BM",
            "self": f"{API}/priorities/PSO75BM",
            "summary": priority,
            "type": "priority_reference",
        },
        "urgency": urgency,
        "conference_bridge": None,
        "resolve_reason": None,
    }
    if shape == "without_incident_key":
        del data["incident_key"]
    return data


def note(content, note_id="PWL7QXS", trimmed=False):
    """incident.annotated carries the note; its incident only by reference (never with an incident key)."""
    return {
        "incident": {
            "html_url": f"{WEB}/incidents/{PD_ID}",
            "id": PD_ID,
            "self": f"{API}/incidents/{PD_ID}",
            "summary": "[report] SQLi in login",
            "type": "incident_reference",
        },
        "id": note_id,
        "content": content,
        "trimmed": trimmed,
        "type": "incident_note",
    }


def event(event_type, data, at, agent="Ada Lovelace"):
    return {
        "event": {
            "id": f"01DEN{abs(hash((event_type, at, json.dumps(data)))) % 10**12:012d}",
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": f"2026-11-22T{at}.000Z",
            "agent": user(agent) if isinstance(agent, str) else agent,
            "client": {"name": "PagerDuty"} if agent else None,
            "data": data,
        }
    }


@pytest.fixture()
def report(db, org):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    made = create_report(org.id, "SQLi in login", severity="high")
    made.pd_incident_id = PD_ID  # what the sender stores once PagerDuty accepted the trigger
    made.pd_status = "triggered"
    db.session.commit()
    return made


counter = iter(range(10**6))


def deliver(client, org, db, body):
    raw = json.dumps(body).encode()
    webhook_id = f"wh-{next(counter)}"
    assert post(client, org, raw, sign(raw, SECRET), webhook_id).status_code == 202
    receipt_id = db.session.scalar(db.select(WebhookReceipt.id).filter_by(webhook_id=webhook_id))
    return services.apply_receipt(receipt_id)


def lines(db, report_id):
    db.session.expire_all()
    return db.session.scalars(
        db.select(TimelineEntry.message)
        .filter_by(report_id=report_id)
        .where(TimelineEntry.kind.like("pagerduty.%"))
        .order_by(TimelineEntry.at, TimelineEntry.id)
    ).all()


def mirrored(db, report_id):
    db.session.expire_all()
    return db.session.get(Report, report_id)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_acknowledgement_that_times_out_puts_the_mirror_back_to_triggered(client, db, org, report, shape):
    key = f"report-{report.id}"
    deliver(client, org, db, event("incident.acknowledged", incident(key, "acknowledged", shape=shape), "10:00:00"))
    assert mirrored(db, report.id).pd_status == "acknowledged"
    timeout = event("incident.unacknowledged", incident(key, "triggered", shape=shape), "10:30:00", agent=None)
    assert deliver(client, org, db, timeout) == f"unacknowledged on report {report.id}"
    assert mirrored(db, report.id).pd_status == "triggered"
    assert lines(db, report.id)[-1] == "Acknowledgement timed out in PagerDuty."
    assert mirrored(db, report.id).status == "new"  # triage stays a human decision


@pytest.mark.parametrize("shape", SHAPES)
def test_reopened_puts_the_mirror_back_to_triggered(client, db, org, report, shape):
    key = f"report-{report.id}"
    deliver(client, org, db, event("incident.resolved", incident(key, "resolved", (), shape=shape), "10:00:00"))
    assert mirrored(db, report.id).pd_status == "resolved"
    deliver(client, org, db, event("incident.reopened", incident(key, shape=shape), "11:00:00", agent="Bob Kahn"))
    assert mirrored(db, report.id).pd_status == "triggered"
    assert lines(db, report.id)[-1] == "Reopened in PagerDuty by Bob Kahn."
    assert mirrored(db, report.id).pd_escalation_level == 1


def test_an_older_event_arriving_late_never_undoes_a_newer_one(client, db, org, report):
    key = f"report-{report.id}"
    deliver(client, org, db, event("incident.resolved", incident(key, "resolved", ()), "10:20:00", agent="Cy"))
    late_ack = deliver(client, org, db, event("incident.acknowledged", incident(key, "acknowledged"), "10:05:00"))
    assert late_ack.endswith("(older than the status shown: timeline only)")
    deliver(client, org, db, event("incident.unacknowledged", incident(key), "10:10:00", agent=None))
    assert mirrored(db, report.id).pd_status == "resolved"
    assert mirrored(db, report.id).pd_assignees == []  # the resolved snapshot is the newest
    assert lines(db, report.id) == [  # every line, in PagerDuty's time order
        "Acknowledged via PagerDuty by Ada Lovelace.",
        "Acknowledgement timed out in PagerDuty.",
        "Resolved via PagerDuty by Cy.",
    ]


def test_notes_added_in_pagerduty_show_once(client, db, org, report):
    annotated = event("incident.annotated", note("Rolled back the login service."), "10:07:00", agent="Dee")
    assert deliver(client, org, db, annotated) == f"annotated on report {report.id}"
    again = dict(annotated["event"], id="another-delivery")
    deliver(client, org, db, {"event": again})
    assert lines(db, report.id) == ["Note in PagerDuty by Dee: Rolled back the login service."]


def test_pagerbridges_own_notes_echoed_by_pagerduty_appear_once(client, db, org, report):
    content = "Status: investigating. Root cause: an unparameterised query in the login form."
    db.session.add(
        Delivery(
            org_id=org.id,
            action="note",
            event_type="progress",
            status="delivered",
            dedup_key=f"report-{report.id}",
            subject_type="report",
            subject_id=report.id,
            payload={"content": content},
        )
    )
    db.session.commit()
    echo = event("incident.annotated", note(content, "PECHO01"), "10:08:00", agent="PagerBridge API user")
    assert "own note" in deliver(client, org, db, echo)
    trimmed = event("incident.annotated", note(content[:40], "PECHO02", trimmed=True), "10:09:00")
    assert "own note" in deliver(client, org, db, trimmed)
    assert not [line for line in lines(db, report.id) if line.startswith("Note in PagerDuty")]


@pytest.mark.parametrize("shape", SHAPES)
def test_priority_reassignment_escalation_and_urgency_are_mirrored(client, db, org, report, api, shape):
    key = f"report-{report.id}"
    deliver(client, org, db, event("incident.triggered", incident(key, shape=shape), "10:00:00", agent=None))
    prioritised = incident(key, priority="P1", shape=shape)
    deliver(client, org, db, event("incident.priority_updated", prioritised, "10:01:00"))
    reassigned = incident(key, assignees=("Bob Kahn",), priority="P1", shape=shape)
    deliver(client, org, db, event("incident.reassigned", reassigned, "10:02:00"))
    escalated = incident(key, assignees=("Grace Hopper",), priority="P1", shape=shape)
    deliver(client, org, db, event("incident.escalated", escalated, "10:03:00", agent=None))
    calmer = incident(key, "acknowledged", ("Grace Hopper",), "P1", "low", shape=shape)
    deliver(client, org, db, event("incident.acknowledged", calmer, "10:04:00", agent="Grace Hopper"))
    assert lines(db, report.id) == [
        "Priority set to P1 in PagerDuty by Ada Lovelace.",
        "Reassigned in PagerDuty by Ada Lovelace to Bob Kahn.",
        "Escalated in PagerDuty to level 2: Grace Hopper.",
        "Acknowledged via PagerDuty by Grace Hopper.",
        "Urgency changed to low in PagerDuty.",
    ]
    row = mirrored(db, report.id)
    assert (row.pd_priority, row.pd_urgency, row.pd_assignees, row.pd_escalation_level) == (
        "P1",
        "low",
        ["Grace Hopper"],
        2,
    )
    body = api.get(f"/reports/{report.id}").json["pagerduty"]
    assert body == {
        "status": "acknowledged",
        "incident_url": f"{WEB}/incidents/{PD_ID}",
        "priority": "P1",
        "urgency": "low",
        "assignees": ["Grace Hopper"],
    }


def test_an_old_snapshot_arriving_late_does_not_undo_a_newer_priority(client, db, org, report):
    key = f"report-{report.id}"
    deliver(client, org, db, event("incident.priority_updated", incident(key, priority="P1"), "10:05:00"))
    deliver(client, org, db, event("incident.priority_updated", incident(key, priority="P3"), "10:01:00"))
    assert mirrored(db, report.id).pd_priority == "P1"
    assert lines(db, report.id) == [
        "Priority set to P3 in PagerDuty by Ada Lovelace.",
        "Priority set to P1 in PagerDuty by Ada Lovelace.",
    ]
    deliver(client, org, db, event("incident.priority_updated", incident(key, priority=None), "10:06:00"))
    assert mirrored(db, report.id).pd_priority is None


def test_the_report_page_shows_the_mirror(client, db, org, report, admin_client):
    key = f"report-{report.id}"
    snapshot = incident(key, "acknowledged", ("Bob Kahn", "Ada Lovelace"), "P2", "high")
    deliver(client, org, db, event("incident.acknowledged", snapshot, "10:00:00"))
    page = admin_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Bob Kahn, Ada Lovelace" in page and ">P2<" in page and ">High<" in page


@pytest.mark.parametrize(
    "event_type", ["incident.responder.added", "incident.conference_bridge.updated", "service.updated", "pagey.ping"]
)
def test_event_types_we_do_not_use_are_accepted_and_ignored(client, db, org, report, event_type):
    body = event(event_type, incident(f"report-{report.id}"), "10:00:00")
    assert deliver(client, org, db, body) == f"ignored: {event_type}"
    assert lines(db, report.id) == []


def test_a_webhook_repeating_what_reconciliation_found_adds_nothing_but_a_later_one_does(client, db, org, report):
    from webapp.webhooks import mirror
    from webapp.webhooks.services import parse_time

    mirror.apply_acknowledged(report, parse_time("2026-11-22T10:00:00Z"), "Ada Lovelace", reconciled=True)
    db.session.commit()
    key = f"report-{report.id}"
    same = event("incident.acknowledged", incident(key, "acknowledged"), "10:00:00")
    assert deliver(client, org, db, same) == "ignored: reconciliation found it already"
    later = event("incident.acknowledged", incident(key, "acknowledged"), "10:20:00", agent="Bob Kahn")
    assert deliver(client, org, db, later) == f"acknowledged via pagerduty on report {report.id}"
    assert lines(db, report.id) == [
        "Acknowledged via PagerDuty (found by reconciliation) by Ada Lovelace.",
        "Acknowledged via PagerDuty by Bob Kahn.",
    ]


def test_an_incident_is_mirrored_too_and_a_named_agent_is_said(client, db, org, report, api, admin_client):
    from tests.api.test_incidents import K8S
    from webapp.models import Incident

    incident_id = api.post("/incidents", json=K8S).json["id"]
    db.session.get(Incident, incident_id).pd_incident_id = "PK8S001"
    db.session.commit()
    data = incident("", "acknowledged", ("Ada Lovelace",), "P3", "low", shape="without_incident_key")
    data["id"] = "PK8S001"
    deliver(client, org, db, event("incident.acknowledged", data, "10:00:00"))
    timed_out = dict(data, status="triggered")
    agent = {"id": "PF9KMXH", "type": "service_reference", "summary": "Payments"}
    assert deliver(client, org, db, event("incident.unacknowledged", timed_out, "10:30:00", agent=agent)).startswith(
        "unacknowledged on incident"
    )
    body = api.get(f"/incidents/{incident_id}").json
    assert body["pagerduty"]["status"] == "triggered" and body["pagerduty"]["priority"] == "P3"
    said = [line["message"] for line in body["timeline"] if line["kind"] == "pagerduty.unacknowledged"]
    assert said == ["Acknowledgement timed out in PagerDuty by Payments."]
    page = admin_client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "Ada Lovelace" in page and ">P3<" in page and ">Low<" in page
