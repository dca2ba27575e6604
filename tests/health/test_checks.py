"""The health check against the sandbox: each finding appears, survives, and clears itself."""

import requests

from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY
from webapp.connection import services
from webapp.findings.services import findings
from webapp.health import checks
from webapp.health.badge import status_badge
from webapp.health.services import check_all, check_org
from webapp.models import HealthFinding, OnCallSettings, Service, WebhookSecret
from webapp.models.types import utcnow
from webapp.routing import services as routing
from webapp.routing.sync import run_sync
from webapp.webhooks import refusals
from webapp.webhooks.credentials import add_signing_secret
from webapp.webhooks.setup import create_subscription, enable_subscription


def codes(org_id):
    return sorted(f.code for f in findings(org_id) if f.counts)


def configured(db, org_id):
    run_sync(org_id)
    platform = db.session.scalar(db.select(Service).filter_by(pd_id="PPLAT01"))
    routing.configure_service(org_id, platform.id)
    routing.set_default(org_id, platform.id)
    return platform


def test_a_healthy_org_has_no_findings(db, connected):
    configured(db, connected.id)
    create_subscription(connected.id)
    assert check_org(connected.id) == "no findings"
    assert codes(connected.id) == []
    assert status_badge(connected.id)["state"] == "connected"


def test_a_deleted_integration_is_found_before_the_next_alert(db, connected, pd):
    platform = configured(db, connected.id)
    remote = pd.state.accounts[PD_TOKEN].services["PPLAT01"]
    requests.delete(f"{pd.url}/_sandbox/services/PPLAT01/integrations/{remote['integrations'][0]['id']}")
    check_org(connected.id)
    db.session.refresh(platform)
    assert platform.broken_at is not None and "deleted in PagerDuty" in platform.broken_reason
    assert codes(connected.id) == ["route_unresolved"]
    assert "Platform" in findings(connected.id)[0].message
    assert status_badge(connected.id)["label"] == "Connected, needs attention"
    pd.state.add_integration(remote, DEFAULT_KEY)  # the key is back (as after Repair routes)
    check_org(connected.id)
    assert codes(connected.id) == []


def test_a_disabled_subscription_is_found_and_re_enabled(db, connected, pd):
    subscription = create_subscription(connected.id)
    requests.post(f"{pd.url}/_sandbox/webhook_subscriptions/{subscription['id']}/disable").raise_for_status()
    check_org(connected.id)
    assert codes(connected.id) == ["subscription_disabled"]
    assert db.session.scalar(db.select(HealthFinding.message).filter_by(code="subscription_disabled")).startswith(
        f"the webhook subscription {subscription['id']} is disabled by PagerDuty"
    )
    enable_subscription(connected.id)
    assert not pd.state.accounts[PD_TOKEN].subscriptions[0]["temporarily_disabled"]
    assert "subscription_disabled" not in codes(connected.id)


def test_a_subscription_deleted_in_pagerduty_or_without_a_secret_warns(db, connected, pd):
    subscription = create_subscription(connected.id)
    requests.delete(
        f"{pd.url}/webhook_subscriptions/{subscription['id']}", headers={"Authorization": f"Token token={PD_TOKEN}"}
    ).raise_for_status()
    check_org(connected.id)
    assert "subscription_missing" in codes(connected.id)
    assert services.connection_for(connected.id).webhook_subscription_id is None
    again = create_subscription(connected.id)
    db.session.execute(db.update(WebhookSecret).values(retired_at=utcnow()))
    db.session.commit()
    check_org(connected.id)
    assert "no_signing_secret" in codes(connected.id) and "subscription_missing" not in codes(connected.id)
    assert create_subscription(connected.id)["id"] != again["id"]  # replaced: only a new one carries a secret
    assert len(pd.state.accounts[PD_TOKEN].subscriptions) == 1
    check_org(connected.id)
    assert "no_signing_secret" not in codes(connected.id)


def test_bad_signatures_in_the_last_hour_warn(client, db, connected, redis):
    from tests.webhooks.test_views import event_body, sign

    add_signing_secret(connected.id, "whsec-right-1234")
    db.session.commit()
    body = event_body()
    url = f"/webhooks/pagerduty/{connected.model.webhook_token}"
    assert client.post(url, data=body, headers={"X-PagerDuty-Signature": sign(body, "whsec-wrong")}).status_code == 401
    assert 3590 < redis.ttl(refusals.REFUSALS_KEY.format(connected.id)) <= 3600
    check_org(connected.id)
    message = db.session.scalar(db.select(HealthFinding.message).filter_by(code="webhooks_refused"))
    assert message == f"{checks.REFUSED_MESSAGE} (1 refused in the last hour)"
    redis.delete(refusals.REFUSALS_KEY.format(connected.id))
    check_org(connected.id)
    assert "webhooks_refused" not in codes(connected.id)


def test_a_missing_schedule_and_a_refused_token(db, connected, pd):
    oncall = db.session.get(OnCallSettings, connected.id)
    oncall.mode, oncall.schedule_id, oncall.schedule_name = "pagerduty", "PGONE01", "Primary"
    db.session.commit()
    check_org(connected.id)
    assert "schedule_missing" in codes(connected.id)
    pd.state.accounts.pop(PD_TOKEN)
    check_org(connected.id)
    assert services.connection_for(connected.id).state == "error"
    assert {"token_refused", "paused"} <= set(codes(connected.id))
    assert "schedule_missing" not in codes(connected.id)  # unchecked now, so not claimed


def test_findings_survive_a_restart_and_the_cli_runs_every_org(db, connected, runner):
    services.connect_api_token(connected.id, PD_TOKEN, VDP_KEY)
    db.session.add(HealthFinding(org_id=connected.id, code="subscription_disabled", message="stored"))
    db.session.commit()
    db.session.remove()
    assert "subscription_disabled" in codes(connected.id)
    result = runner.invoke(args=["jobs", "run", "health"])
    assert result.exit_code == 0 and result.output.startswith(f"{connected.slug}: ")
    assert check_all(connected.id)[0].startswith(connected.slug)
    assert "subscription_disabled" not in codes(connected.id)


def test_a_check_that_clashes_with_a_concurrent_one_is_stored_once(db, connected, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from webapp.findings import services as model
    from webapp.health import services as health

    real, calls = model.replace, []

    def clashing(*args):
        calls.append(args)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return real(*args)

    monkeypatch.setattr(model, "replace", clashing)
    found = [model.Finding("schedule_missing", "the on-call schedule is gone")]
    health._store(connected.id, checks.CHECKED_CODES, found)
    assert len(calls) == 2 and codes(connected.id) == ["schedule_missing"]


def test_alerts_nobody_sends_turn_the_badge_amber_and_say_to_check_the_worker(db, api, connected):
    from datetime import timedelta

    from webapp.models import Delivery
    from webapp.models.types import utcnow

    api.post("/reports", json={"title": "Nobody sends me"})
    assert status_badge(connected.id)["state"] == "connected"  # just queued: a worker has not had its chance yet
    db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()
    badge = status_badge(connected.id)
    assert badge["state"] == "attention"
    assert [f.code for f in badge["findings"]] == ["no_sender"]
    assert "no worker is sending alerts" in badge["findings"][0].message


def test_the_no_worker_finding_fires_only_when_no_sender_is_alive(db, api, connected):
    """Overdue alerts with a live sender are not blamed on the worker (they wait on PagerDuty, or the pace)."""
    from datetime import timedelta

    from webapp import liveness
    from webapp.models import Delivery
    from webapp.models.types import utcnow

    api.post("/reports", json={"title": "Waiting"})
    db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()
    liveness.beat(liveness.Kind.SENDER, "sender-a")
    assert status_badge(connected.id)["state"] == "connected"
    db.session.execute(
        db.update(liveness.Heartbeat).values(beat_at=utcnow() - timedelta(seconds=liveness.LIVE_SECONDS + 1))
    )
    db.session.commit()
    badge = status_badge(connected.id)
    assert [f.code for f in badge["findings"]] == ["no_sender"]
    assert "the last one beat 16 s ago" in badge["findings"][0].message
