"""Missed webhooks of the whole story leave nothing stale: reconciliation reads status, priority, urgency, assignees
and notes back from the sandbox; the sandbox sends each story event as PagerDuty does; subscriptions get repaired."""

import requests

from tests.webhooks.test_reconcile import messages, paged_report, quiet
from webapp.extensions import db as database
from webapp.models import Report
from webapp.webhooks import reconcile


def second_user(pd):
    account = next(iter(pd.state.accounts.values()))
    if len(account.users) == 1:
        account.users.append({"id": "PBOBK01", "name": "Bob Kahn", "email": "bob@example.com"})
    return account.users


def story(pd, report_id, action, webhook=False, **spec):
    incident = pd.state.incident_by_key(f"report-{report_id}")
    query = "?sync=1" if webhook else "?webhook=0"
    answer = requests.post(f"{pd.url}/_sandbox/incidents/{incident['id']}/story/{action}{query}", json=spec)
    assert answer.status_code == 200, answer.text
    return incident


def control(pd, report_id, action):
    incident = pd.state.incident_by_key(f"report-{report_id}")
    requests.post(f"{pd.url}/_sandbox/incidents/{incident['id']}/{action}?webhook=0").raise_for_status()


def row(report_id):
    database.session.expire_all()
    return database.session.get(Report, report_id)


def test_missed_timeout_priority_reassignment_and_note_are_read_back(db, connected, pd):
    report_id = paged_report(connected)
    users = second_user(pd)
    control(pd, report_id, "acknowledge")
    quiet(report_id)
    reconcile.reconcile_org(connected.id)
    assert row(report_id).pd_status == "acknowledged"
    story(pd, report_id, "unacknowledge")
    story(pd, report_id, "priority", priority="P2")
    story(pd, report_id, "urgency", urgency="low")
    story(pd, report_id, "reassign", user_ids=[users[1]["id"]])
    story(pd, report_id, "note", content="Paged the database team.", user_id=users[1]["id"])
    quiet(report_id)
    lines = reconcile.reconcile_org(connected.id)
    assert lines[0].endswith("1 updated"), lines
    mirrored = row(report_id)
    assert (mirrored.pd_status, mirrored.pd_priority, mirrored.pd_urgency) == ("triggered", "P2", "low")
    assert mirrored.pd_assignees == [users[1]["name"]]
    found = messages(report_id)
    assert "Acknowledgement timed out in PagerDuty (found by reconciliation)." in found
    assert f"Note in PagerDuty by {users[1]['name']}: Paged the database team." in found
    quiet(report_id)
    reconcile.reconcile_org(connected.id)  # read again: nothing twice
    assert messages(report_id).count(f"Note in PagerDuty by {users[1]['name']}: Paged the database team.") == 1


def test_a_missed_reopen_is_read_back(db, connected, pd):
    report_id = paged_report(connected)
    control(pd, report_id, "resolve")
    quiet(report_id)
    reconcile.reconcile_org(connected.id)
    assert row(report_id).pd_status == "resolved"
    story(pd, report_id, "reopen")
    quiet(report_id)
    reconcile.reconcile_org(connected.id)
    assert row(report_id).pd_status == "triggered"
    assert "Reopened in PagerDuty (found by reconciliation)." in messages(report_id)


def test_the_sandbox_sends_each_story_event_as_pagerduty_does(db, connected, pd):
    from webapp.webhooks.setup import SUBSCRIBED_EVENTS

    report_id = paged_report(connected)
    second_user(pd)
    account = next(iter(pd.state.accounts.values()))
    account.subscriptions.append(
        {
            "id": "PSUB001",
            "url": "http://127.0.0.1:9/hook",
            "events": SUBSCRIBED_EVENTS,
            "secret": "s" * 20,
            "active": True,
            "description": "",
            "filter": {"type": "account_reference"},
        }  # fmt: skip
    )
    control(pd, report_id, "acknowledge")
    for action, spec in (
        ("unacknowledge", {}),
        ("priority", {"priority": "P1"}),
        ("reassign", {"user_ids": [account.users[1]["id"]]}),
        ("escalate", {}),
        ("note", {"content": "Looking"}),
        ("urgency", {"urgency": "low"}),
    ):
        story(pd, report_id, action, webhook=True, **spec)
        account.subscriptions[0].update(failures=0, temporarily_disabled=False)  # its URL answers nothing
    sent = {d["event_type"]: d["body"]["event"] for d in pd.state.webhook_deliveries}
    assert set(sent) == {
        "incident.unacknowledged",
        "incident.priority_updated",
        "incident.reassigned",
        "incident.escalated",
        "incident.annotated",
    }  # urgency changes send no webhook of their own
    assert sent["incident.unacknowledged"]["agent"] is None
    assert sent["incident.priority_updated"]["data"]["priority"]["summary"] == "P1"
    assert [a["summary"] for a in sent["incident.reassigned"]["data"]["assignees"]] == [account.users[1]["name"]]
    assert sent["incident.annotated"]["data"]["type"] == "incident_note"
    assert sent["incident.annotated"]["data"]["incident"]["type"] == "incident_reference"
    refused = requests.post(f"{pd.url}/_sandbox/incidents/{sent['incident.escalated']['data']['id']}/story/reopen")
    assert refused.status_code == 409


def test_subscriptions_made_before_are_repaired_to_list_every_event_type(db, connected, pd):
    from webapp.webhooks.setup import SUBSCRIBED_EVENTS, create_subscription

    subscription = create_subscription(connected.id)
    account = next(iter(pd.state.accounts.values()))
    account.subscriptions[0]["events"] = ["incident.acknowledged", "incident.resolved", "service.updated"]
    create_subscription(connected.id)
    assert len(account.subscriptions) == 1 and account.subscriptions[0]["id"] == subscription["id"]
    assert set(account.subscriptions[0]["events"]) == {*SUBSCRIBED_EVENTS, "service.updated"}
    assert {"incident.unacknowledged", "incident.reopened", "incident.annotated"} <= set(SUBSCRIBED_EVENTS)


def test_the_health_check_repairs_the_event_list_too(db, connected, pd):
    from webapp.health.services import check_org
    from webapp.webhooks.setup import SUBSCRIBED_EVENTS, create_subscription

    create_subscription(connected.id)
    account = next(iter(pd.state.accounts.values()))
    account.subscriptions[0]["events"] = ["incident.acknowledged"]
    check_org(connected.id)
    assert set(account.subscriptions[0]["events"]) == set(SUBSCRIBED_EVENTS)
