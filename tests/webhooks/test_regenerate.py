"""Regenerate URL never silently stops acknowledgements: PagerDuty's subscription moves with it (one subscription,
one secret), subscriptions to old URLs are found and removed, and the pasted-secret path warns until one arrives."""

from tests.conftest import PD_TOKEN
from webapp.findings.services import findings
from webapp.health.badge import status_badge
from webapp.health.services import check_org
from webapp.models import JobRun, Org, WebhookSecret
from webapp.pagerduty.accounts import connection_for
from webapp.public_urls import webhook_url
from webapp.webhooks import regenerate
from webapp.webhooks.setup import create_subscription


def subscriptions(pd):
    return pd.state.accounts[PD_TOKEN].subscriptions


def active_secrets(db, org_id):
    return db.session.scalars(db.select(WebhookSecret).filter_by(org_id=org_id, retired_at=None)).all()


def codes(org_id):
    return {f.code for f in findings(org_id)}


def test_regenerate_with_a_token_moves_the_subscription_in_a_job(admin_client, db, pd, connected):
    first = create_subscription(connected.id)["id"]
    body = admin_client.get("/webhooks/settings").get_data(as_text=True)
    assert "acknowledgements until its subscription uses the new URL" in body and first in body
    old_url = webhook_url(db.session.get(Org, connected.id))

    assert admin_client.post("/webhooks/settings/regenerate").status_code == 302
    assert [s["url"] for s in subscriptions(pd)] == [old_url]  # no PagerDuty call inside the request
    run = db.session.scalar(db.select(JobRun).filter_by(kind="webhook_move"))
    body = admin_client.get("/webhooks/settings").get_data(as_text=True)
    assert 'data-run-kind="webhook_move"' in body and "moving PagerDuty&#39;s subscription" in body
    assert 'data-subscription="moving"' in body and 'data-subscription="active"' not in body

    message = regenerate.move_subscription(connected.id, run.id)
    new_url = webhook_url(db.session.get(Org, connected.id))
    assert new_url != old_url and "PagerDuty now sends to the new URL" in message and "1 signing secret" in message
    assert [s["url"] for s in subscriptions(pd)] == [new_url]
    secrets = active_secrets(db, connected.id)
    assert len(secrets) == 1 and secrets[0].secret == subscriptions(pd)[0]["secret"]
    check_org(connected.id)
    assert status_badge(connected.id)["state"] == "connected", findings(connected.id)


def test_a_subscription_left_on_an_old_url_is_found_and_removed(db, pd, connected):
    create_subscription(connected.id)
    regenerate.regenerate(connected.id)  # the move job never ran
    check_org(connected.id)
    found = codes(connected.id)
    assert {"subscription_stale", "subscription_missing"} <= found, found
    assert status_badge(connected.id)["state"] == "attention"  # never "everything checked delivers"

    assert "Deleted 1 subscription" in regenerate.run_removal(connected.id)
    assert subscriptions(pd) == []
    check_org(connected.id)
    assert "subscription_stale" not in codes(connected.id)


def test_create_subscription_after_a_regenerate_keeps_one_subscription_and_one_secret(db, pd, connected):
    create_subscription(connected.id)
    regenerate.regenerate(connected.id)
    create_subscription(connected.id)
    assert len(subscriptions(pd)) == 1
    assert subscriptions(pd)[0]["url"] == webhook_url(db.session.get(Org, connected.id))
    assert len(active_secrets(db, connected.id)) == 1


def test_regenerate_with_a_pasted_secret_warns_until_a_signed_webhook_arrives(admin_client, db, pd, connected):
    from webapp.models.types import utcnow
    from webapp.webhooks.setup import paste_secret

    paste_secret(connected.id, "whsec-pasted-secret")
    assert regenerate.regenerate(connected.id) is None
    body = admin_client.get("/webhooks/settings").get_data(as_text=True)
    assert 'data-finding="webhook_url_unconfirmed"' in body
    assert status_badge(connected.id)["state"] == "attention"
    connection = connection_for(connected.id)
    connection.last_webhook_at = utcnow()
    db.session.commit()
    assert "webhook_url_unconfirmed" not in codes(connected.id)


def test_a_move_that_fails_is_red_and_says_acknowledgements_stop(admin_client, db, pd, connected):
    create_subscription(connected.id)
    run = regenerate.regenerate(connected.id)
    pd.state.add_fault("401", scope="rest")  # PagerDuty refuses the token
    message = regenerate.move_subscription(connected.id, run.id)
    db.session.refresh(run)
    assert run.status == "failed" and "acknowledgements stop" in message
    pd.state.faults.clear()
    body = admin_client.get("/webhooks/settings").get_data(as_text=True)
    assert 'data-subscription="stale"' in body and "Repair subscription" in body
