"""Webhook setup against the sandbox, and the tab."""

from webapp.models import Connection, WebhookSecret


def test_one_click_subscription_stores_the_secret(db, connected, pd_account):
    from webapp.webhooks.setup import create_subscription

    subscription = create_subscription(connected.id)
    assert subscription["delivery_method"]["url"].endswith(connected.model.webhook_token)
    stored = db.session.scalar(db.select(WebhookSecret).filter_by(source="pagerduty"))
    account = next(iter(pd_account.state.accounts.values()))
    assert stored.secret == account.subscriptions[0]["secret"]
    assert db.session.scalar(db.select(Connection.webhook_subscription_id)) == subscription["id"]


def test_tab_masks_secrets_and_members_are_refused(admin_client, member_client, db, org):
    from webapp.webhooks.setup import paste_secret

    paste_secret(org.id, "whsec-very-secret-value-9876")
    body = admin_client.get("/webhooks/settings").get_data(as_text=True)
    assert "whsec-very-secret-value" not in body and "9876" in body
    assert org.model.webhook_token in body
    assert member_client.get("/webhooks/settings").status_code == 403


def test_regenerate_changes_the_url(admin_client, db, org):
    old = org.model.webhook_token
    admin_client.post("/webhooks/settings/regenerate")
    db.session.refresh(org.model)
    assert org.model.webhook_token != old
