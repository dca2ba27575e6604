"""Fuzzing the webhook endpoint, signed and unsigned: never a 5xx, and whatever was stored applies without raising."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import JSON_VALUES, RAW_BODIES, TEXT, fuzz_settings, objects
from tests.webhooks.test_views import SECRET, sign
from webapp.models import WebhookReceipt, WebhookSecret
from webapp.webhooks import services

EVENT_TYPES = st.sampled_from(["incident.acknowledged", "incident.resolved", "incident.annotated", "pagey.ping"])
INCIDENT = objects(
    {
        "id": st.sampled_from(["PINC001", "P" * 40]),
        "type": st.sampled_from(["incident", "incident_note"]),
        "incident_key": st.sampled_from(["report-1", "incident-1", "report-2147483648", "war-room-x-1", ""]),
        "html_url": st.sampled_from(["https://acme.pagerduty.com/incidents/P1", "javascript:alert(1)"]),
        "incident": JSON_VALUES,
    }
)
EVENTS = objects(
    {
        "id": TEXT,
        "event_type": EVENT_TYPES,
        "occurred_at": st.sampled_from(
            ["2026-11-22T10:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
        ),
        "agent": objects({"summary": TEXT, "type": TEXT}),
        "data": INCIDENT,
    }
)
BODIES = st.one_of(
    objects({"event": EVENTS}).map(lambda body: json.dumps(body).encode()),
    JSON_VALUES.map(lambda body: json.dumps(body).encode()),
    RAW_BODIES,
)
HEADER_TEXT = st.text(st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n"), max_size=80)
SIGNATURES = st.one_of(
    st.none(), st.sampled_from(["", "v1=", "v1=é", "v1=" + "ü" * 64, "v0=abc,v1=", ",,,"]), HEADER_TEXT
)


@pytest.fixture()
def hooked(db, org):
    """The org with a signing secret, and a report and an incident the events may name."""
    from webapp.reports.services import create_report

    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    create_report(org.id, "Fuzz target", severity="high")
    db.session.commit()
    return org


@fuzz_settings(60)
@given(body=BODIES, signed=st.booleans(), signature=SIGNATURES, webhook_id=st.one_of(st.none(), HEADER_TEXT))
def test_no_webhook_yields_a_5xx_and_every_stored_one_applies(client, db, hooked, body, signed, signature, webhook_id):
    headers = {"Content-Type": "application/json"}
    if signed:
        signature = sign(body, SECRET)
    if signature is not None:
        headers["X-PagerDuty-Signature"] = signature
    if webhook_id is not None:
        headers["X-Webhook-Id"] = webhook_id
    response = client.post(f"/webhooks/pagerduty/{hooked.model.webhook_token}", data=body, headers=headers)
    assert response.status_code < 500
    if not signed:
        assert response.status_code in (401, 413)
    for receipt_id in services.unprocessed_ids():
        services.apply_receipt(receipt_id)  # raises nothing, whatever was stored
    assert services.unprocessed_ids() == []
    assert db.session.scalar(db.select(db.func.count()).where(WebhookReceipt.outcome.is_(None))) == 0
