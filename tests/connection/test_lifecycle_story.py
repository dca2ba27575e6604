"""The connection lifecycle walked through the contract (CLI, JSON API, webhook URL) with the real worker, plus the
two page-only steps (Page N open alerts now, Regenerate URL) through the admin's browser client."""

import json

import requests

from tests.conftest import DEFAULT_KEY, PD_TOKEN, login, wait_for
from tests.webhooks.test_views import event_body, sign

PAY_KEY, LEGACY_KEY = "c" * 31 + "3", "d" * 31 + "4"
SECRET = "whsec-story-secret-1"


def cli(runner, *args):
    """The command in the test's process (each command's own process and commit are tested in
    tests/commands/test_cli_commits.py; 19 process starts here cost more than the rest of the story); what it did
    is read back from what it committed."""
    from webapp.extensions import db

    db.session.commit()
    result = runner.invoke(args=list(args))
    db.session.expire_all()
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def seed(pd):
    pd.state.seed(
        {
            "accounts": [
                {
                    "api_token": PD_TOKEN,
                    "user_email": "responder@example.com",
                    "services": [
                        {"name": "Platform", "id": "PPLAT01", "integration_key": DEFAULT_KEY},
                        {"name": "Payments", "id": "PPAY001", "integration_key": PAY_KEY},
                        {"name": "Legacy", "id": "PLEG001", "integration_key": LEGACY_KEY},
                    ],
                    "users": [{"name": "Responder", "email": "responder@example.com"}],
                }
            ]
        }
    )


def incident(api, namespace, n):
    body = {"kind": "kubernetes", "title": f"Crash {n}", "severity": "high", "cluster": "prod"}
    return api.post("/incidents", json={**body, "namespace": namespace, "external_id": f"story-{n}"}).json["id"]


def arrives(pd, incident_id, key):
    """The incident's trigger reached PagerDuty with this routing key."""
    return wait_for(lambda: pd.state.received_events(routing_key=key, dedup_key=f"incident-{incident_id}"), 30)


def worker_idle():
    """Nothing waits or runs on the default queue (the health check each connect queues has finished)."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from webapp.queues import get_redis

    queue = Queue("default", connection=get_redis())
    return queue.count == 0 and StartedJobRegistry(queue=queue).count == 0


def test_the_lifecycle_story(app, runner, api, org, pd, worker, client, tmp_path):
    from webapp.extensions import db
    from webapp.models import Delivery, JobRun, Org, WebhookSecret

    seed(pd)
    slug = org.slug
    cli(runner, "pagerduty", "connect", "--org", slug, "--api-token", PD_TOKEN, "--signing-secret", SECRET)
    cli(runner, "jobs", "run", "services", "--org", slug)
    api.put("/inventory", json={"clusters": [{"name": "prod", "namespaces": ["payments", "web"]}]})
    routing = {
        "default_service": "PPLAT01",
        "namespaces": [{"cluster": "prod", "namespace": "payments", "service": "PPAY001"}],
    }
    (tmp_path / "routing.json").write_text(json.dumps({"routing": routing}))
    cli(runner, "settings", "import", "--org", slug, str(tmp_path / "routing.json"))
    arrives(pd, incident(api, "payments", 1), PAY_KEY)
    arrives(pd, incident(api, "web", 2), DEFAULT_KEY)
    cli(runner, "jobs", "run", "health", "--org", slug)
    status = cli(runner, "pagerduty", "status", "--org", slug)
    warnings = [line for line in status.splitlines() if line.startswith("warning")]
    assert "state: connected" in status and warnings == [
        "warning: PagerDuty has no webhook subscription to this org's URL: acknowledgements do not reach PagerBridge"
    ], status  # a secret was given, yet PagerDuty has no subscription to send with it

    # Disconnect: nothing goes out, the routes stay.
    cli(runner, "pagerduty", "disconnect", "--org", slug)
    quiet = incident(api, "payments", 3)
    db.session.expire_all()
    delivery = db.session.scalar(db.select(Delivery).filter_by(dedup_key=f"incident-{quiet}"))
    assert delivery.status == "no_route" and "disconnected" in delivery.route_reason
    assert delivery.target_label == "Not sent: PagerDuty was disconnected"
    assert "state: disconnected" in cli(runner, "pagerduty", "status", "--org", slug)

    # Reconnect with the token alone: the keys are committed, routes and default deliver again, the old secret
    # still verifies, and the alert raised while disconnected is paged on one explicit request.
    said = cli(runner, "pagerduty", "connect", "--org", slug, "--api-token", PD_TOKEN)
    assert "Routes restored for 2 services" in said, said
    admin = login(app, org.admin_email)
    assert "Page 1 open alert now" in admin.get("/settings/pagerduty/").get_data(as_text=True)
    assert admin.post("/settings/pagerduty/unsent/page").status_code == 200
    arrives(pd, quiet, PAY_KEY)
    arrives(pd, incident(api, "payments", 4), PAY_KEY)
    arrives(pd, incident(api, "web", 5), DEFAULT_KEY)
    body = event_body()
    webhook = client.post(
        f"/webhooks/pagerduty/{org.model.webhook_token}",
        data=body,
        headers={"X-PagerDuty-Signature": sign(body, SECRET), "X-Webhook-Id": "story-1"},
    )
    assert webhook.status_code == 202

    # The routing-key method: every alert to its one key, whatever routes are stored.
    cli(runner, "pagerduty", "connect", "--org", slug, "--routing-key", LEGACY_KEY, "--service-name", "Legacy")
    arrives(pd, incident(api, "payments", 6), LEGACY_KEY)
    assert "note: routing-key method: every alert goes to Legacy" in cli(runner, "pagerduty", "status", "--org", slug)

    # Back to the token: routes again.
    cli(runner, "pagerduty", "connect", "--org", slug, "--api-token", PD_TOKEN)
    arrives(pd, incident(api, "payments", 7), PAY_KEY)

    # Payments' integration deleted in PagerDuty: its alerts fall back to the default, with a warning naming it.
    wait_for(worker_idle, 30)
    integration_id = pd.state.accounts[PD_TOKEN].services["PPAY001"]["integrations"][0]["id"]
    requests.delete(f"{pd.url}/_sandbox/services/PPAY001/integrations/{integration_id}").raise_for_status()
    fallen = incident(api, "payments", 8)
    arrives(pd, fallen, DEFAULT_KEY)
    timeline = api.get(f"/incidents/{fallen}").json["timeline"]
    assert any("Payments refused the alert" in entry["message"] for entry in timeline), timeline
    assert "Payments" in cli(runner, "jobs", "run", "health", "--org", slug)
    status = cli(runner, "pagerduty", "status", "--org", slug)
    assert "state: connected" in status and "warning: the route to Payments does not resolve" in status, status

    # Subscribe twice: one subscription. PagerDuty disables it: a warning says so.
    first = cli(runner, "pagerduty", "subscribe", "--org", slug).strip()
    assert cli(runner, "pagerduty", "subscribe", "--org", slug).strip() == first
    assert len(pd.state.accounts[PD_TOKEN].subscriptions) == 1
    requests.post(f"{pd.url}/_sandbox/webhook_subscriptions/{first}/disable").raise_for_status()
    cli(runner, "jobs", "run", "health", "--org", slug)
    status = cli(runner, "pagerduty", "status", "--org", slug)
    assert f"warning: the webhook subscription {first} is disabled by PagerDuty" in status, status

    # Regenerate URL: PagerDuty's subscription moves with it in a job; one subscription, one secret, no warning.
    old_url = f"/webhooks/pagerduty/{org.model.webhook_token}"
    wait_for(worker_idle, 30)
    assert admin.post("/webhooks/settings/regenerate").status_code == 302
    run = wait_for(lambda: db.session.scalar(db.select(JobRun).filter_by(kind="webhook_move", status="done")), 30)
    assert "PagerDuty now sends to the new URL" in run.message, run.message
    token = db.session.scalar(db.select(Org.webhook_token).filter_by(slug=slug))
    subscriptions = pd.state.accounts[PD_TOKEN].subscriptions
    assert len(subscriptions) == 1 and subscriptions[0]["url"].endswith(f"/webhooks/pagerduty/{token}")
    secrets = db.session.scalars(db.select(WebhookSecret.secret).filter_by(retired_at=None)).all()
    assert secrets == [subscriptions[0]["secret"]]
    cli(runner, "jobs", "run", "health", "--org", slug)
    status = cli(runner, "pagerduty", "status", "--org", slug)
    assert "subscription" not in "".join(line for line in status.splitlines() if line.startswith("warning")), status
    body = event_body(key="incident-story-2", pd_id="PINC002")
    assert client.post(old_url, data=body, headers={"X-PagerDuty-Signature": sign(body, secrets[0])}).status_code == 401
    moved = client.post(
        f"/webhooks/pagerduty/{token}",
        data=body,
        headers={"X-PagerDuty-Signature": sign(body, secrets[0]), "X-Webhook-Id": "story-2"},
    )
    assert moved.status_code == 202
