"""The signed webhook endpoint."""

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.models import WebhookReceipt, WebhookSecret
from webapp.webhooks.services import apply_receipt
from webapp.webhooks.signatures import expected_signature

SECRET, OTHER = "whsec-current-secret", "whsec-next-secret"
HEADER_TEXT = st.characters(min_codepoint=32, max_codepoint=126)


@pytest.fixture()
def hooked(db, org):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    return org


_EVENT_IDS = itertools.count(1)


def event_body(event_type="incident.acknowledged", key="report-1", pd_id="PINC001", agent="Ada", event_id=None):
    """A signed-webhook body; each call is a new PagerDuty event (its own event.id) unless `event_id` is given."""
    return json.dumps(
        {
            "event": {
                "id": event_id or f"01EVT{next(_EVENT_IDS)}",
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": "2026-11-22T10:00:00.000Z",
                "agent": {"id": "PUSR", "summary": agent, "type": "user_reference"},
                "data": {
                    "id": pd_id,
                    "type": "incident",
                    "incident_key": key,
                    "html_url": f"https://acme.pagerduty.com/incidents/{pd_id}",
                    "status": event_type.split(".")[1],
                },
            }
        }
    ).encode()


def post(client, org, body, signature, webhook_id="wh-1", token=None):
    headers = {"Content-Type": "application/json", "X-Webhook-Id": webhook_id}
    if signature is not None:
        headers["X-PagerDuty-Signature"] = signature
    return client.post(f"/webhooks/pagerduty/{token or org.model.webhook_token}", data=body, headers=headers)


def sign(body, *secrets):
    return ",".join(f"v1={expected_signature(secret, body)}" for secret in secrets)


def test_valid_signature_is_accepted_and_stored(client, hooked, db):
    body = event_body()
    response = post(client, hooked, body, sign(body, SECRET))
    assert response.status_code == 202
    assert db.session.scalar(db.select(WebhookReceipt.event_type)) == "incident.acknowledged"


def test_any_of_several_signatures_may_match(client, hooked):
    body = event_body()
    assert post(client, hooked, body, sign(body, "wrong-one", SECRET)).status_code == 202


@pytest.mark.parametrize("signature", [None, "", "v1=deadbeef", "v0=abc", "garbage"])
def test_unsigned_or_missigned_is_401_and_leaves_no_trace(client, hooked, db, signature):
    assert post(client, hooked, event_body(), signature).status_code == 401
    assert db.session.scalar(db.select(WebhookReceipt)) is None


def test_body_changed_by_one_byte_is_refused(client, hooked):
    body = event_body()
    tampered = body[:-2] + b" }"
    assert post(client, hooked, tampered, sign(body, SECRET)).status_code == 401


def test_unknown_token_is_401(client, hooked):
    body = event_body()
    assert post(client, hooked, body, sign(body, SECRET), token="nope").status_code == 401


def test_rotation_accepts_both_secrets_then_only_the_new(client, hooked, db):
    from webapp.webhooks import setup

    setup.paste_secret(hooked.id, OTHER)
    body = event_body()
    assert post(client, hooked, body, sign(body, SECRET), "a").status_code == 202
    assert post(client, hooked, body, sign(body, OTHER), "b").status_code == 202
    old = db.session.scalar(db.select(WebhookSecret).order_by(WebhookSecret.id).limit(1))
    setup.retire_secret(hooked.id, old.id)
    assert post(client, hooked, body, sign(body, SECRET), "c").status_code == 401
    assert post(client, hooked, body, sign(body, OTHER), "d").status_code == 202


def test_replay_of_one_webhook_id_has_one_effect(client, hooked, db):
    body = event_body()
    assert post(client, hooked, body, sign(body, SECRET), "same").status_code == 202
    assert post(client, hooked, body, sign(body, SECRET), "same").json["duplicate"] is True
    assert len(db.session.scalars(db.select(WebhookReceipt)).all()) == 1


def test_oversized_and_malformed_bodies(client, hooked):
    big = b"{" + b" " * (256 * 1024 + 1) + b"}"
    assert post(client, hooked, big, sign(big, SECRET)).status_code == 413
    bad = b"{not json"
    assert post(client, hooked, bad, sign(bad, SECRET)).status_code == 400


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.builds(
            event_body, st.sampled_from(["incident.resolved", "incident.acknowledged", "x.y"]), st.text(max_size=40)
        ),
    ),
    signature=st.one_of(st.none(), st.text(HEADER_TEXT, max_size=80)),
    webhook_id=st.text(HEADER_TEXT, max_size=120),
    sign_it=st.booleans(),
)
def test_no_input_yields_a_500(client, hooked, body, signature, webhook_id, sign_it):
    if sign_it:
        signature = sign(body, SECRET)
    headers = {"X-Webhook-Id": webhook_id.encode("utf-8", "ignore").decode("latin-1", "ignore")}
    if signature is not None:
        headers["X-PagerDuty-Signature"] = signature.encode("utf-8", "ignore").decode("latin-1", "ignore")
    response = client.post(f"/webhooks/pagerduty/{hooked.model.webhook_token}", data=body, headers=headers)
    assert response.status_code in (202, 400, 401, 422)
    if response.status_code == 202:
        receipt_id = (
            client.application.extensions["sqlalchemy"]
            .session.scalars(__import__("sqlalchemy").select(WebhookReceipt.id))
            .all()[-1]
        )
        assert apply_receipt(receipt_id)


def test_a_dropped_database_connection_costs_no_webhook(app, client, hooked, db):
    """The intake engine pings nothing before use: a connection the database dropped is replaced on the spot."""
    from sqlalchemy import text

    from webapp.webhooks.services import intake_engine

    if db.engine.dialect.name != "postgresql":
        pytest.skip("dropping a connection from the server side needs PostgreSQL")
    body = event_body()
    assert post(client, hooked, body, sign(body, SECRET), "before").status_code == 202
    with intake_engine().connect() as connection:  # the pooled connection the next webhook will get
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
    with db.engine.connect() as admin:
        assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    body = event_body()  # another event (the same one again would be a replay)
    response = post(client, hooked, body, sign(body, SECRET), "after")
    assert response.status_code == 202 and response.json["duplicate"] is False
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookReceipt)) == 2
