"""Poison webhooks: a signed webhook PagerBridge cannot apply is counted, quarantined, shown, retried; never blocks."""

import json

import pytest

from tests.webhooks.test_inbox import acknowledgements, receive
from tests.webhooks.test_services import setup_org
from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.models import WebhookReceipt
from webapp.webhooks import inbox, mirror, services


def signed(client, org, event, webhook_id):
    body = json.dumps({"event": event}).encode()
    assert post(client, org, body, sign(body, SECRET), webhook_id).status_code == 202
    return db_receipt(webhook_id)


def db_receipt(webhook_id):
    from webapp.extensions import db

    db.session.expire_all()
    return db.session.scalar(db.select(WebhookReceipt).filter_by(webhook_id=webhook_id))


def ack(report, **changes):
    event = json.loads(event_body("incident.acknowledged", f"report-{report.id}"))["event"]
    event.update(changes)
    return event


@pytest.mark.parametrize(
    "changes",
    [
        {"agent": "x"},
        {"agent": ["x"]},
        {"data": {"id": "PINC1", "type": "incident", "incident_key": []}},
        {"data": "incident"},
        {"data": {"type": None}},
        {"data": {"id": 12, "type": "incident"}},
        {"data": {"type": "incident", "id": "P" * 500}},
        {"occurred_at": {"at": "now"}},
    ],
)
def test_a_shape_pagerbridge_cannot_read_is_quarantined_at_once_and_the_rest_drains(client, db, org, redis, changes):
    report = setup_org(db, org)
    poison = signed(client, org, ack(report, **changes), "poison")
    receive(client, org, report, "good")
    assert inbox.drain() == 2
    assert len(acknowledgements(db, report)) == 1
    poison = db_receipt("poison")
    assert poison.quarantined_at is not None and poison.processed_at is None
    assert poison.last_error.startswith("unexpected shape")
    assert poison.id not in services.unprocessed_ids()


@pytest.mark.parametrize(
    "changes",
    [
        {"agent": None},
        {"agent": {"summary": None}},
        {"occurred_at": "9999-12-31T23:59:59-14:00"},
        {"occurred_at": "not a time"},
        {"data": {"type": "incident", "incident_key": f"report-{2**40}"}},
        {"data": {"type": "incident", "incident_key": "report-²"}},
        {"agent": {"summary": "A" * 1000}},
    ],
)
def test_odd_but_readable_values_apply_or_are_ignored(client, db, org, redis, changes):
    report = setup_org(db, org)
    receipt = signed(client, org, ack(report, **changes), "odd")
    outcome = services.apply_receipt(receipt.id)
    assert outcome.startswith(("acknowledged", "ignored")), outcome
    assert db_receipt("odd").processed_at is not None


def test_an_event_type_we_do_not_handle_is_ignored_whatever_its_shape(client, db, org):
    report = setup_org(db, org)
    receipt = signed(client, org, {"id": "E1", "event_type": "incident.responder.added", "agent": "x"}, "other")
    assert services.apply_receipt(receipt.id) == "ignored: incident.responder.added"
    assert report  # the report is untouched


def test_a_failure_is_retried_by_the_sweep_and_quarantined_after_three(client, db, org, redis, monkeypatch):
    report = setup_org(db, org)
    receive(client, org, report, "flaky")
    receipt_id = db_receipt("flaky").id

    def broken(*args, **kwargs):
        raise RuntimeError("the timeline is away")

    monkeypatch.setattr(mirror, "add_entry", broken)
    assert services.apply_receipt(receipt_id) == "failed (attempt 1 of 3)"
    assert receipt_id in services.unprocessed_ids()  # the sweep will try again
    assert services.apply_receipt(receipt_id) == "failed (attempt 2 of 3)"
    assert services.apply_receipt(receipt_id) == "quarantined"
    assert receipt_id not in services.unprocessed_ids()
    receipt = db_receipt("flaky")
    assert receipt.attempts == 3 and "RuntimeError: the timeline is away" in receipt.last_error
    assert services.apply_receipt(receipt_id) == "already processed"


def test_a_poison_receipt_in_the_middle_of_a_burst_does_not_stop_the_drain(client, db, org, redis, monkeypatch):
    report = setup_org(db, org)
    receive(client, org, report, "a")
    signed(client, org, ack(report, agent="x"), "poison")
    receive(client, org, report, "b")
    assert inbox.drain() == 3
    assert len(acknowledgements(db, report)) == 2
    assert redis.llen(inbox.INBOX_KEY) == 0 and not redis.exists(inbox.DRAINING_KEY)


def test_quarantined_webhooks_show_in_the_delivery_log_and_retry(admin_client, htmx_client, client, db, org, redis):
    report = setup_org(db, org)
    poison = signed(client, org, ack(report, agent="x"), "poison-1")
    services.apply_receipt(poison.id)
    page = admin_client.get("/settings/deliveries/").get_data(as_text=True)
    assert "/webhooks/settings/received" in page
    section = admin_client.get("/webhooks/settings/received").get_data(as_text=True)
    assert "poison-1" in section and "Quarantined" in section and "unexpected shape" in section
    assert "Retry" in section

    response = htmx_client.post(f"/webhooks/settings/received/{poison.id}/retry")
    assert response.status_code == 200 and "webhooksChanged" in response.headers["HX-Trigger"]
    receipt = db_receipt("poison-1")
    assert receipt.quarantined_at is None and receipt.attempts == 0
    from rq import Queue

    assert "jobs.webhooks.process_receipt" in [job.func_name for job in Queue("default", connection=redis).jobs]
    assert services.apply_receipt(receipt.id) == "quarantined"  # the same shape fails the same way


def test_retry_is_scoped_to_the_org(htmx_client, client, db, org):
    from tests.factories import org_with_users

    other = org_with_users()
    report = setup_org(db, other)
    poison = signed(client, other, ack(report, agent="x"), "theirs")
    services.apply_receipt(poison.id)
    assert htmx_client.post(f"/webhooks/settings/received/{poison.id}/retry").status_code == 404
    assert "theirs" not in htmx_client.get("/webhooks/settings/received").get_data(as_text=True)
    assert db_receipt("theirs").quarantined_at is not None


def test_members_cannot_see_or_retry(member_client, db, org):
    assert member_client.get("/webhooks/settings/received").status_code in (302, 403, 404)
    assert member_client.post("/webhooks/settings/received/1/retry").status_code in (302, 403, 404)
