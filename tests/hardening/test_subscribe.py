"""Issue 22: `pagerduty subscribe` keeps a subscription only when PagerBridge holds the secret it signs with."""

from webapp.models import Connection, WebhookSecret


def _subscribe(runner, org):
    result = runner.invoke(args=["pagerduty", "subscribe", "--org", org.slug])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_subscription_whose_secret_was_retired_is_replaced(runner, db, connected, pd):
    first = _subscribe(runner, connected)
    assert _subscribe(runner, connected) == first  # its secret is held: kept
    db.session.execute(db.update(WebhookSecret).values(retired_at=db.func.now()))
    db.session.add(WebhookSecret(org_id=connected.id, secret="some-other-pasted-secret", source="manual"))
    db.session.commit()
    second = _subscribe(runner, connected)
    assert second != first
    from tests.conftest import PD_TOKEN

    subscriptions = pd.state.accounts[PD_TOKEN].subscriptions
    assert list(subscriptions) == [second] or [s["id"] for s in subscriptions] == [second]
    db.session.expire_all()
    assert db.session.scalar(db.select(Connection.webhook_subscription_id)) == second
    sources = db.session.scalars(db.select(WebhookSecret.source).where(WebhookSecret.retired_at.is_(None))).all()
    assert "pagerduty" in sources
