"""Reconciliation against the sandbox: an acknowledgement or resolution whose webhook was lost still reaches us."""

import json
from datetime import timedelta

import pytest
import requests

from sandbox import incidents as sandbox_incidents
from tests.conftest import VDP_KEY
from tests.sending import send_now
from tests.webhooks.test_views import SECRET, post, sign
from webapp.extensions import db as database
from webapp.models import Delivery, Report, TimelineEntry, WebhookReceipt, WebhookSecret
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.reports.services import create_report
from webapp.webhooks import reconcile, services


@pytest.fixture()
def calls(monkeypatch):
    """Every REST call reconciliation makes, as (path, params)."""
    made, real = [], client.rest

    def counting(credentials, method, path, **kwargs):
        made.append((path, kwargs.get("params") or {}))
        return real(credentials, method, path, **kwargs)

    monkeypatch.setattr(client, "rest", counting)
    return made


def paged_report(org, title="SQLi"):
    """A report whose trigger PagerDuty accepted: open in PagerDuty, open on our side."""
    report = create_report(org.id, title)
    delivery_id = database.session.scalar(db_select_delivery(report.id))
    assert send_now(delivery_id) == "delivered"
    return report.id


def db_select_delivery(report_id):
    return database.select(Delivery.id).filter_by(dedup_key=f"report-{report_id}")


def quiet(*report_ids, minutes=11):
    database.session.execute(
        database.update(Report)
        .where(Report.id.in_(report_ids))
        .values(updated_at=utcnow() - timedelta(minutes=minutes))
    )
    database.session.commit()


def act_without_webhook(pd, report_id, action):
    incident = pd.state.incident_by_key(f"report-{report_id}")
    user_id = pd.state.accounts[next(iter(pd.state.accounts))].users[0]["id"]
    response = requests.post(
        f"{pd.url}/_sandbox/incidents/{incident['id']}/{action}?webhook=0", json={"user_id": user_id}
    )
    assert response.status_code == 200 and response.json()["webhooks"] == []
    return incident


def messages(report_id):
    database.session.expire_all()
    return database.session.scalars(
        database.select(TimelineEntry.message).filter_by(report_id=report_id).order_by(TimelineEntry.id)
    ).all()


def test_a_lost_acknowledgement_is_found_once_and_triage_stays(db, connected, pd):
    report_id = paged_report(connected)
    act_without_webhook(pd, report_id, "acknowledge")
    assert reconcile.reconcile_org(connected.id)[0].endswith(
        "no open PagerDuty incident quiet for more than 10 minutes"
    )
    quiet(report_id)
    lines = reconcile.reconcile_org(connected.id)
    assert lines[0].endswith("1 quiet open PagerDuty incidents checked with 2 calls: 1 updated")  # its notes too
    assert lines[1] == f"{connected.slug}: report {report_id} acknowledged by Responder (found by reconciliation)"
    expected = "Acknowledged via PagerDuty (found by reconciliation) by Responder."
    assert messages(report_id).count(expected) == 1
    quiet(report_id)
    reconcile.reconcile_org(connected.id)
    assert messages(report_id).count(expected) == 1
    report = db.session.get(Report, report_id)
    assert report.pd_status == "acknowledged" and report.status == "new"
    assert report.pd_incident_url == pd.state.incident_by_key(f"report-{report_id}")["html_url"]
    entry = db.session.scalar(db.select(TimelineEntry).filter_by(report_id=report_id, kind="pagerduty.acknowledged"))
    assert entry.actor == "Responder" and abs((entry.at - utcnow()).total_seconds()) < 60


def test_a_lost_resolution_is_found_and_a_late_webhook_adds_nothing(client, db, connected, pd):
    report_id = paged_report(connected)
    incident = act_without_webhook(pd, report_id, "resolve")
    quiet(report_id)
    reconcile.reconcile_org(connected.id)
    assert messages(report_id).count("Resolved via PagerDuty (found by reconciliation) by Responder.") == 1
    assert db.session.get(Report, report_id).pd_status == "resolved"
    assert reconcile.quiet_open_subjects(connected.id, utcnow() + timedelta(days=2)) == []
    db.session.add(WebhookSecret(org_id=connected.id, secret=SECRET))
    db.session.commit()
    body = sandbox_incidents.webhook_event(
        pd.state, incident, "incident.resolved", pd.url, {"id": "PX", "name": "Responder"}
    )
    raw = json.dumps(body).encode()
    assert post(client, connected, raw, sign(raw, SECRET), "late-1").status_code == 202
    receipt_id = db.session.scalar(db.select(WebhookReceipt.id).filter_by(webhook_id="late-1"))
    assert services.apply_receipt(receipt_id) == "ignored: reconciliation found it already"
    assert [m for m in messages(report_id) if m.startswith("Resolved via PagerDuty")] == [
        "Resolved via PagerDuty (found by reconciliation) by Responder."
    ]


def test_more_than_a_hundred_are_read_in_pages_of_a_hundred(db, connected, pd, calls):
    reports = [Report(org_id=connected.id, title=f"R{n}", pd_status="triggered") for n in range(150)]
    db.session.add_all(reports)
    db.session.commit()
    for report in reports:
        requests.post(
            f"{pd.url}/v2/enqueue",
            json={
                "routing_key": VDP_KEY,
                "event_action": "trigger",
                "dedup_key": f"report-{report.id}",
                "payload": {"summary": report.title, "source": "test", "severity": "info"},
            },
        ).raise_for_status()
    acknowledged = [r.id for r in reports[:120]]
    for report_id in acknowledged:
        incident = pd.state.incident_by_key(f"report-{report_id}")
        sandbox_incidents.change_status(pd.state, incident, "acknowledged", pd.url, notify=False)
    quiet(*[r.id for r in reports])
    lines = reconcile.reconcile_org(connected.id)
    assert lines[0].endswith("150 quiet open PagerDuty incidents checked with 152 calls: 120 updated")
    listings = [params for path, params in calls if path == "/incidents"]
    assert len(listings) == 2 and sum(path.endswith("/notes") for path, _ in calls) == 150
    assert all(params["limit"] == 100 and "since" in params and "until" in params for params in listings)
    db.session.expire_all()
    states = dict(db.session.execute(db.select(Report.id, Report.pd_status)).all())
    assert sorted(i for i, s in states.items() if s == "acknowledged") == sorted(acknowledged)


def test_few_quiet_ones_in_a_busy_account_are_asked_by_key(db, connected, pd, calls):
    report_id = paged_report(connected)
    for n in range(150):  # other incidents of the account, in the same window
        requests.post(
            f"{pd.url}/v2/enqueue",
            json={
                "routing_key": VDP_KEY,
                "event_action": "trigger",
                "dedup_key": f"other-{n}",
                "payload": {"summary": "other", "source": "test", "severity": "info"},
            },
        ).raise_for_status()
    act_without_webhook(pd, report_id, "acknowledge")
    quiet(report_id)
    assert reconcile.reconcile_org(connected.id)[0].endswith("checked with 3 calls: 1 updated")
    assert calls[1][1] == {
        "incident_key": f"report-{report_id}",
        "date_range": "all",
        "sort_by": "created_at:desc",
        "limit": 1,
    }


def test_a_newer_incident_for_the_same_key_wins(db, connected, pd):
    """A trigger after a resolve opens a new PagerDuty incident: the old resolved one says nothing about it."""
    report_id = paged_report(connected)
    old = pd.state.incident_by_key(f"report-{report_id}")
    sandbox_incidents.change_status(pd.state, old, "resolved", pd.url, notify=False)
    old["created_at"] -= 60
    requests.post(
        f"{pd.url}/v2/enqueue",
        json={
            "routing_key": VDP_KEY,
            "event_action": "trigger",
            "dedup_key": f"report-{report_id}",
            "payload": {"summary": "again", "source": "test", "severity": "info"},
        },
    ).raise_for_status()
    quiet(report_id)
    assert reconcile.reconcile_org(connected.id)[0].endswith("0 updated")
    assert db.session.get(Report, report_id).pd_status == "triggered"


def test_only_orgs_connected_with_an_api_token(db, org, connected, pd):
    from tests.factories import org_with_users
    from webapp.connection.services import connect_routing_key

    legacy = org_with_users()
    connect_routing_key(legacy.id, VDP_KEY, "Security")
    assert reconcile.orgs_to_reconcile() == [connected.id]
    assert reconcile.reconcile_all() == [f"{connected.slug}: no open PagerDuty incident quiet for more than 10 minutes"]


def test_cli_prints_what_it_did(runner, db, connected, pd):
    report_id = paged_report(connected)
    act_without_webhook(pd, report_id, "acknowledge")
    quiet(report_id)
    result = runner.invoke(args=["jobs", "run", "reconcile", "--org", connected.slug])
    assert result.exit_code == 0, result.output
    assert f"report {report_id} acknowledged by Responder (found by reconciliation)" in result.output
    again = runner.invoke(args=["jobs", "run", "reconcile"])
    assert "0 updated" in again.output or "no open PagerDuty incident" in again.output


def test_it_runs_every_five_minutes(app):
    from jobs.schedule import periodic_jobs

    assert ("pagerduty-reconcile", "jobs.reconcile.reconcile_all", 300, "default") in periodic_jobs(app.config)


def test_the_periodic_job_fans_out_one_job_per_org(db, connected, redis):
    from jobs.reconcile import reconcile_all
    from webapp.queues import get_queue

    assert reconcile_all() == 1 and reconcile_all() == 1
    assert get_queue("default").job_ids == [f"reconcile-{connected.id}"]


def test_a_run_keeps_to_its_call_budget_and_applies_what_it_read(db, connected, pd, calls, monkeypatch):
    report_ids = [paged_report(connected, f"R{n}") for n in range(3)]
    for report_id in report_ids:
        act_without_webhook(pd, report_id, "acknowledge")
    paged_report(connected, "not quiet")
    quiet(*report_ids)
    monkeypatch.setattr(reconcile, "PAGE", 1)  # four pages of one for three quiet ones: asked by key
    monkeypatch.setattr(reconcile, "MAX_CALLS", 3)
    lines = reconcile.reconcile_org(connected.id)
    assert "checked with 3 calls: 2 updated; stopped after 3 calls, the rest waits for the next run" in lines[0]
    assert reconcile.reconcile_org(connected.id)[0].endswith(
        "1 quiet open PagerDuty incidents checked with 3 calls: 1 updated"
    )


def test_the_worker_runs_the_periodic_round(db, connected, pd, worker):
    from jobs.reconcile import reconcile_all
    from tests.conftest import wait_for

    report_id = paged_report(connected)
    act_without_webhook(pd, report_id, "resolve")
    quiet(report_id)
    assert reconcile_all() == 1
    wait_for(
        lambda: "Resolved via PagerDuty (found by reconciliation) by Responder." in messages(report_id), timeout=30
    )
