"""The sandbox's v3 webhooks on their way out: to each subscription that lists the event type, signed with its secret
as PagerDuty signs, on sending threads (off the request that caused them); each outcome is recorded, and three
dropped deliveries in a row disable the subscription, as PagerDuty does."""

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid

import requests

log = logging.getLogger(__name__)
SENDERS = 4  # threads that POST webhooks, so a slow subscriber delays no request and few others
_outbox: queue.SimpleQueue = queue.SimpleQueue()
_senders: list[threading.Thread] = []
_starting = threading.Lock()


def subscribers(state, incident, event_type):
    """The active subscriptions of the incident's account that list `event_type`."""
    with state.lock:
        account = state.account_for_service(incident["service_id"])
        return [
            s
            for s in (account.subscriptions if account else [])
            if event_type in s["events"] and s["active"] and not s.get("temporarily_disabled")
        ]


def send_to_subscribers(state, incident, event, sync=False):
    """Send a webhook body to every active subscription of the incident's account that lists its event type."""
    targets = subscribers(state, incident, event["event"]["event_type"])
    return [send_webhook(state, sub, event, sync) for sub in targets]


def outcome(record):
    """A sent webhook as the control endpoints report it: where, how it went, and PagerDuty's time and agent."""
    event = record["body"]["event"]
    brief = {k: record[k] for k in ("url", "status", "webhook_id", "event_type")}
    return brief | {"occurred_at": event["occurred_at"], "agent": (event.get("agent") or {}).get("summary")}


def sign(secret, raw_body):
    """The X-PagerDuty-Signature value for a body."""
    return "v1=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def send_webhook(state, subscription, event, sync=False):
    """POST a signed webhook to a subscription (on a sending thread unless sync); the outcome is recorded."""
    url, secret, webhook_id = subscription["url"], subscription["secret"], str(uuid.uuid4())
    record = {
        "subscription_id": subscription["id"],
        "url": url,
        "webhook_id": webhook_id,
        "event_type": event["event"]["event_type"],
        "status": None,
        "sent_at": time.time(),
        "body": event,
    }

    def deliver():
        raw = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "PagerDuty-Webhook/V3.0",
            "X-Webhook-Id": webhook_id,
            "X-Webhook-Subscription": subscription["id"],
            "X-PagerDuty-Signature": sign(secret, raw),
        }
        try:
            record["status"] = requests.post(url, data=raw, headers=headers, timeout=5).status_code
        except requests.RequestException as exc:
            record["status"] = f"error: {type(exc).__name__}"
        _count_outcome(state, subscription, record["status"])

    with state.lock:
        state.webhook_deliveries.append(record)
    if sync:
        deliver()
    else:
        _send_later(deliver)
    return record


def _send_later(deliver):
    """Hand a delivery to the sending threads, started once (starting a thread per webhook cost its caller ~0.3 ms)."""
    if len(_senders) < SENDERS:
        with _starting:
            while len(_senders) < SENDERS:
                _senders.append(threading.Thread(target=_send_forever, name="sandbox-webhooks", daemon=True))
                _senders[-1].start()
    _outbox.put(deliver)


def _send_forever():
    while True:
        deliver = _outbox.get()
        try:
            deliver()
        except Exception:  # noqa: BLE001 (one broken delivery must not stop the others)
            log.exception("sandbox webhook delivery failed")


def _count_outcome(state, subscription, status):
    """PagerDuty disables a subscription after 3 dropped deliveries in a row (it does not retry here)."""
    with state.lock:
        ok = isinstance(status, int) and 200 <= status < 300
        subscription["failures"] = 0 if ok else subscription.get("failures", 0) + 1
        if subscription["failures"] >= 3:
            subscription["temporarily_disabled"] = True
