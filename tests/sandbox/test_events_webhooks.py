"""Changes made through the Events API send v3 webhooks, as PagerDuty does: incident.triggered for a new incident,
incident.acknowledged and incident.resolved for status changes; signed, with the service as the agent, off the
request thread."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sandbox import v3
from sandbox.incidents import iso
from sandbox.sending import sign

KEY = "e" * 31 + "1"
SECRET = "sandbox-subscription-secret"
EVENTS = ["incident.triggered", "incident.acknowledged", "incident.resolved", "incident.annotated"]


class Receiver:
    """A subscription's endpoint on a free local port: keeps each request's headers and raw body."""

    def __init__(self, delay=0.0):
        self.received, self.delay = [], delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.received.append((dict(self.headers), raw))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def events(self, count, timeout=10):
        """The first `count` webhook events received (waits for them), in the order they arrived."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, self.received
        return [json.loads(raw)["event"] for _, raw in self.received[:count]]


@pytest.fixture()
def receiver():
    made = Receiver()
    yield made
    made.server.shutdown()


def seed(pd, url, events=EVENTS, events_per_minute=None):
    pd.state.reset(events_per_minute)
    pd.state.seed(
        {
            "accounts": [
                {
                    "api_token": "events-webhooks-token",
                    "services": [{"name": "Security VDP", "id": "PVDP001", "integration_key": KEY}],
                    "users": [{"name": "Responder", "email": "responder@example.com"}],
                }
            ]
        }
    )
    account = next(iter(pd.state.accounts.values()))
    subscription = {"id": "PSUB001", "url": url, "events": list(events), "secret": SECRET, "active": True}
    account.subscriptions.append(subscription | {"description": "", "filter": {"type": "account_reference"}})
    return account


def event(pd, action, dedup_key="report-1"):
    body = {"routing_key": KEY, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        body["payload"] = {"summary": "SQLi", "source": "pagerbridge", "severity": "critical"}
    return requests.post(f"{pd.url}/v2/enqueue", json=body, timeout=10)


def test_a_new_incident_and_its_status_changes_send_signed_webhooks_with_the_service_as_agent(pd, receiver):
    seed(pd, receiver.url)
    assert event(pd, "trigger").status_code == 202
    assert event(pd, "trigger").status_code == 202  # merged into the open incident: no new incident, no webhook
    assert event(pd, "acknowledge").status_code == 202
    assert event(pd, "acknowledge").status_code == 202  # no change: no webhook
    assert event(pd, "resolve").status_code == 202
    assert event(pd, "resolve").status_code == 202  # nothing open under the key any more: nothing
    triggered, acknowledged, resolved = sorted(receiver.events(3), key=lambda e: e["occurred_at"])
    time.sleep(0.2)
    assert len(receiver.received) == 3
    incident = pd.state.incident_by_key("report-1")
    assert [e["event_type"] for e in (triggered, acknowledged, resolved)] == EVENTS[:3]
    assert [e["data"]["status"] for e in (triggered, acknowledged, resolved)] == [
        "triggered",
        "acknowledged",
        "resolved",
    ]
    for each in (triggered, acknowledged, resolved):
        assert each["agent"]["type"] == "service_reference" and each["agent"]["summary"] == "Security VDP"
        assert each["data"]["id"] == incident["id"] and each["data"]["incident_key"] == "report-1"
    assert triggered["occurred_at"][:19] == iso(incident["created_at"])[:19]
    assert resolved["occurred_at"][:19] == iso(incident["status_changed_at"])[:19]
    assert triggered["data"]["assignees"][0]["summary"] == "Responder"  # the snapshot as the trigger left it
    for headers, raw in receiver.received:
        assert headers["X-PagerDuty-Signature"] == sign(SECRET, raw) and headers["X-Webhook-Subscription"] == "PSUB001"
        assert headers["User-Agent"] == "PagerDuty-Webhook/V3.0" and headers["X-Webhook-Id"]
    assert event(pd, "trigger").status_code == 202  # after the resolve: a new incident, and its own webhook
    again = receiver.events(4)[3]
    assert again["event_type"] == "incident.triggered" and again["data"]["id"] != incident["id"]


def test_only_the_event_types_a_subscription_lists_and_nothing_built_without_one(pd, receiver, monkeypatch):
    seed(pd, receiver.url, events=["incident.resolved"])
    built = []
    real = v3.incident_data
    monkeypatch.setattr(v3, "incident_data", lambda *args: built.append(args[1]["id"]) or real(*args))
    for action in ("trigger", "acknowledge", "resolve"):
        assert event(pd, action).status_code == 202
    assert [e["event_type"] for e in receiver.events(1)] == ["incident.resolved"] and len(built) == 1
    next(iter(pd.state.accounts.values())).subscriptions.clear()
    for action in ("trigger", "acknowledge", "resolve"):
        assert event(pd, action, "report-2").status_code == 202
    time.sleep(0.2)
    assert len(receiver.received) == 1 and len(built) == 1  # no subscriber: no body is even built


def test_a_throttled_event_sends_nothing(pd, receiver):
    seed(pd, receiver.url, events_per_minute=1)
    assert event(pd, "trigger").status_code == 202
    assert event(pd, "trigger", "report-2").status_code == 429  # the per-key limit, as before
    assert event(pd, "resolve").status_code == 429
    time.sleep(0.3)
    assert [e["event_type"] for e in receiver.events(1)] == ["incident.triggered"] and len(receiver.received) == 1
    assert (
        pd.state.incident_by_key("report-2") is None and pd.state.incident_by_key("report-1")["status"] == "triggered"
    )


def test_the_event_is_answered_before_a_slow_subscriber(pd):
    slow = Receiver(delay=2.0)
    try:
        seed(pd, slow.url)
        started = time.monotonic()
        assert event(pd, "trigger").status_code == 202
        assert time.monotonic() - started < 1.0  # the webhook waits on its own thread, not the caller
        assert slow.events(1, timeout=10)[0]["event_type"] == "incident.triggered"
    finally:
        slow.server.shutdown()
