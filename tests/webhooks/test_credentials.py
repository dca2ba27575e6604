"""Webhook credentials are cached per process, yet every committed change to a token or a secret counts at once."""

from unittest import mock

from redis.exceptions import ConnectionError as RedisConnectionError

from tests.sql import recorded
from tests.webhooks.test_views import OTHER, SECRET, event_body, post, sign
from webapp.connection import lifecycle
from webapp.connection.services import disconnect
from webapp.models import Connection, WebhookSecret
from webapp.webhooks import credentials
from webapp.webhooks.credentials import add_signing_secret
from webapp.webhooks.setup import paste_secret, regenerate_token, retire_secret


def reads_of_secrets(db, action):
    """How many times `action` read the org and its secrets from the database."""
    with recorded(db.engine) as statements:
        action()
    return len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT") and "webhook_secrets" in sql])


def hooked_org(db, org):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    return org


def test_a_known_token_is_read_once(client, db, org):
    hooked_org(db, org)
    body = event_body()
    assert reads_of_secrets(db, lambda: post(client, org, body, sign(body, SECRET), "a")) == 1
    assert reads_of_secrets(db, lambda: [post(client, org, body, sign(body, SECRET), f"b{n}") for n in range(3)]) == 0


def test_a_regenerated_url_stops_working_at_once(client, db, org):
    hooked_org(db, org)
    body, old_token = event_body(), org.model.webhook_token
    assert post(client, org, body, sign(body, SECRET), "a").status_code == 202
    regenerate_token(org.id)
    assert post(client, org, body, sign(body, SECRET), "b", token=old_token).status_code == 401
    assert post(client, org, body, sign(body, SECRET), "c").status_code == 202


def test_a_retired_secret_stops_working_at_once_and_a_new_one_works_at_once(client, db, org):
    hooked_org(db, org)
    body = event_body()
    assert post(client, org, body, sign(body, SECRET), "a").status_code == 202
    paste_secret(org.id, OTHER)
    assert post(client, org, body, sign(body, OTHER), "b").status_code == 202
    old = db.session.scalar(db.select(WebhookSecret.id).filter_by(org_id=org.id).order_by(WebhookSecret.id))
    retire_secret(org.id, old)
    assert post(client, org, body, sign(body, SECRET), "c").status_code == 401


def test_disconnect_retires_pagerbridges_own_secret_for_every_process(client, db, org):
    """A pasted secret signs a subscription the admin keeps in PagerDuty, so it stays; the secret of the subscription
    PagerBridge created goes with that subscription (deleted in PagerDuty by the disconnect)."""
    hooked_org(db, org)
    add_signing_secret(org.id, OTHER, "pagerduty")
    db.session.add(Connection(org_id=org.id, method="routing_key", state="connected"))
    db.session.commit()
    body = event_body()
    assert post(client, org, body, sign(body, OTHER), "a").status_code == 202
    disconnect(org.id)
    lifecycle.teardown(org.id)
    assert post(client, org, body, sign(body, OTHER), "b").status_code == 401
    assert post(client, org, body, sign(body, SECRET), "c").status_code == 202


def test_a_change_that_is_rolled_back_bumps_nothing(db, org, redis):
    add_signing_secret(org.id, OTHER)
    db.session.rollback()
    assert redis.get(credentials.VERSION_KEY) is None


def test_without_redis_every_webhook_reads_the_database(client, db, org):
    hooked_org(db, org)
    event_body()
    broken = mock.Mock(get=mock.Mock(side_effect=RedisConnectionError("down")))
    with mock.patch.object(credentials, "get_redis", return_value=broken):
        assert (
            reads_of_secrets(db, lambda: [credentials.org_and_secrets(org.model.webhook_token) for _ in range(2)]) == 2
        )
        assert credentials.org_and_secrets(org.model.webhook_token) == (org.id, [SECRET])
    assert credentials.org_and_secrets("no-such-token") == (None, [])
