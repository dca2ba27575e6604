"""Issue 22: one signed webhook body sent again under other X-Webhook-Ids (or none) is applied once; replays are
counted on the receipt, logged and in the endpoint's metrics."""

import logging

from tests.webhooks.test_inbox import acknowledgements
from tests.webhooks.test_services import setup_org
from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp import counters
from webapp.models import WebhookReceipt
from webapp.webhooks import inbox


def test_a_signed_body_replayed_under_other_ids_has_one_effect(client, db, org, redis, caplog, monkeypatch):
    monkeypatch.setattr(counters, "_paused_until", [0.0])
    report = setup_org(db, org)
    body = event_body("incident.acknowledged", f"report-{report.id}", event_id="01REPLAYED")
    signature = sign(body, SECRET)
    first = post(client, org, body, signature, "wh-original")
    assert first.status_code == 202 and first.json["duplicate"] is False
    with caplog.at_level(logging.WARNING, logger="webapp.webhooks.services"):
        for webhook_id in ("wh-forged-1", "wh-forged-2", "wh-forged-3", ""):
            replay = post(client, org, body, signature, webhook_id)
            assert replay.status_code == 202 and replay.json["duplicate"] is True
    inbox.drain()
    assert len(acknowledgements(db, report)) == 1
    receipt = db.session.scalar(db.select(WebhookReceipt))
    assert receipt.event_id == "01REPLAYED" and receipt.replays == 4
    assert sum("webhook replay refused" in record.getMessage() for record in caplog.records) == 4
    assert counters.webhooks_received().get("replay") == 4


def test_pagerdutys_own_retry_under_the_same_id_is_a_plain_duplicate(client, db, org, redis, monkeypatch):
    monkeypatch.setattr(counters, "_paused_until", [0.0])
    report = setup_org(db, org)
    body = event_body("incident.acknowledged", f"report-{report.id}")
    for _ in range(2):
        assert post(client, org, body, sign(body, SECRET), "wh-same").status_code == 202
    assert db.session.scalar(db.select(WebhookReceipt.replays)) == 0
    assert counters.webhooks_received().get("duplicate") == 1 and "replay" not in counters.webhooks_received()


def test_two_different_events_are_two_receipts(client, db, org, redis):
    report = setup_org(db, org)
    for webhook_id in ("a", "b"):
        body = event_body("incident.acknowledged", f"report-{report.id}")
        assert post(client, org, body, sign(body, SECRET), webhook_id).json["duplicate"] is False
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookReceipt)) == 2
