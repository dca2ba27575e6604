"""The ASGI front `python -m sandbox` runs (sandbox/asgi.py) answers and records exactly as the Flask app does: Events
API calls on its event loop, everything else through Flask."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import jsonify

from sandbox import create_sandbox_app, story
from sandbox.asgi import SandboxASGI
from sandbox.demo import DEMO_API_TOKEN, DEMO_INTEGRATION_KEY, seed_demo
from sandbox.events import answer_event, json_answer
from sandbox.state import SandboxState

HOST = "sandbox.test"


def call(front, method, path, body=b"", query=b"", headers=()):
    """One request through the ASGI front, driven as gunicorn's worker drives it: (status, headers, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", HOST.encode()), (b"content-length", str(len(body)).encode()), *headers],
        "server": ("127.0.0.1", 5055),
        "client": ("127.0.0.1", 40000),
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    # On a thread of its own: Playwright's sync API keeps an event loop running on the main thread for the session.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, front(scope, receive, send)).result()
    start, *content = sent
    assert start["type"] == "http.response.start" and {m["type"] for m in content} == {"http.response.body"}
    assert not content[-1].get("more_body")
    body = b"".join(message["body"] for message in content)
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


def twins(events_per_minute=None):
    """The same demo account behind the ASGI front and behind Flask's test client."""
    front_state, flask_state = SandboxState(events_per_minute), SandboxState(events_per_minute)
    seed_demo(front_state)
    seed_demo(flask_state)
    front = SandboxASGI(create_sandbox_app(front_state), threads=4)
    client = create_sandbox_app(flask_state).test_client()
    return front, front_state, client, flask_state


def event(dedup_key="k-1", action="trigger", key=DEMO_INTEGRATION_KEY, **payload):
    body = {"routing_key": key, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        body["payload"] = {"summary": "Disk full", "source": "node-1", "severity": "critical"} | payload
    return json.dumps(body).encode()


EVENTS = [
    event("k-1"),
    event("k-1", summary="again"),  # merged into k-1's incident
    event("ünïcode-2"),
    event("k-1", "acknowledge"),
    event("k-3", "resolve"),  # nothing open: accepted, no incident
    event("k-1", "resolve"),
    event("k-1"),  # a new incident: the last one is resolved
    event("k-4", key="0" * 32),  # unknown key
    event("k-5", severity="loud", summary=""),
    b"not json",
    b"[1, 2]",
    json.dumps({"routing_key": DEMO_INTEGRATION_KEY, "event_action": "trigger", "payload": {}}).encode(),
    b"{" + b" " * (513 * 1024) + b"}",  # over 512 KB: answered by Flask
]


def test_events_get_the_same_answers_and_leave_the_same_record_as_under_flask():
    front, front_state, client, flask_state = twins()
    for raw in EVENTS:
        status, headers, body = call(front, "POST", "/v2/enqueue", raw)
        expected = client.post(f"http://{HOST}/v2/enqueue", data=raw, content_type="application/json")
        assert (status, body) == (expected.status_code, expected.data), raw[:80]
        assert headers["content-type"] == expected.headers["Content-Type"] == "application/json"
        assert headers["content-length"] == expected.headers["Content-Length"]

    def record(state):
        events = [(e["routing_key"], e["dedup_key"], e["event_action"], e["body"]) for e in state.events]
        incidents = [
            (i["number"], i["status"], i["incident_key"], len(i["alerts"]), i["html_url"].rsplit("/", 1)[0])
            for i in state.incidents.values()
        ]
        return events, incidents

    assert record(front_state) == record(flask_state)
    assert [i[1] for i in record(front_state)[1]] == ["resolved", "triggered", "triggered"]


def test_the_per_key_limit_answers_429_with_retry_after_on_both():
    front, _, client, _ = twins(events_per_minute=2)
    answers = [call(front, "POST", "/v2/enqueue", event(f"k-{n}")) for n in range(3)]
    assert [status for status, _, _ in answers] == [202, 202, 429]
    expected = [client.post(f"http://{HOST}/v2/enqueue", data=event(f"k-{n}")) for n in range(3)][-1]
    assert answers[-1][1]["retry-after"] == expected.headers["Retry-After"] == "10"
    assert answers[-1][2] == expected.data
    assert json.loads(answers[-1][2])["status"] == "throttle event"


def test_an_event_waits_the_answer_time_once_and_a_fault_is_answered_by_flask(monkeypatch):
    front, state, _, _ = twins()
    state.latency_ms = 1
    waits = []
    monkeypatch.setattr(state, "begin_waiting", lambda: waits.append(1))
    monkeypatch.setattr(state, "end_waiting", lambda: None)
    assert call(front, "POST", "/v2/enqueue", event("k-1"))[0] == 202
    state.add_fault("500", count=1, scope="events")
    status, _, body = call(front, "POST", "/v2/enqueue", event("k-2"))
    assert (status, json.loads(body)["message"]) == (500, "Internal Server Error")
    state.add_fault("429", count=1, retry_after=3, scope="events")
    status, headers, _ = call(front, "POST", "/v2/enqueue", event("k-3"))
    assert (status, headers["retry-after"]) == (429, "3")
    assert call(front, "POST", "/v2/enqueue", event("k-4"))[0] == 202  # the faults are used up
    assert len(waits) == 4  # each call waited once: on the loop, not again in Flask
    assert [e["dedup_key"] for e in state.events] == ["k-1", "k-4"]


def test_the_waiting_calls_are_counted():
    front, state, _, _ = twins()
    state.latency_ms = 1
    call(front, "POST", "/v2/enqueue", event("k-1"))
    assert (state.most_waiting, state.waiting) == (1, 0)


def test_rest_ui_and_controls_go_through_flask_with_their_path_query_and_body():
    front, state, client, _ = twins()
    auth = [(b"authorization", f"Token token={DEMO_API_TOKEN}".encode())]
    status, headers, body = call(front, "GET", "/services", query=b"limit=1&total=true", headers=auth)
    expected = client.get(f"http://{HOST}/services?limit=1&total=true", headers={"Authorization": auth[0][1].decode()})
    answer = json.loads(body)
    assert status == 200 and answer["total"] == expected.json["total"] > 1  # integration ids differ: they are random
    assert [(s["name"], s["self"]) for s in answer["services"]] == [
        (s["name"], s["self"]) for s in expected.json["services"]
    ]
    assert call(front, "GET", "/services/P%E2%82%AC", headers=auth)[0] == 404
    assert call(front, "GET", "/services")[0] == 401
    status, headers, body = call(front, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"<html" in body.lower()
    config = json.dumps({"latency_ms": 5, "events_per_minute": 7}).encode()
    status, _, body = call(front, "POST", "/_sandbox/config", config, headers=[(b"content-type", b"application/json")])
    assert (status, json.loads(body)) == (200, {"events_per_minute": 7, "latency_ms": 5.0})
    assert (state.latency_ms, state.events_per_minute) == (5.0, 7)
    assert call(front, "GET", "/v2/enqueue")[0] == 405


def test_a_new_incident_from_the_loop_sends_its_webhook():
    front, state, _, _ = twins()
    account = state.accounts[DEMO_API_TOKEN]
    account.subscriptions.append(
        {"id": "PSUB001", "url": "http://127.0.0.1:9/", "events": ["incident.triggered"], "secret": "s", "active": True}
    )
    assert call(front, "POST", "/v2/enqueue", event("k-1"))[0] == 202
    (record,) = state.webhook_deliveries
    assert record["event_type"] == "incident.triggered"
    assert record["body"]["event"]["data"]["html_url"].startswith(f"http://{HOST}/incidents/")


@pytest.mark.parametrize("dedup_key", ["k-1", "ünïcode", 'quote"and\\slash'])
def test_answers_are_written_as_flask_writes_json(dedup_key):
    with create_sandbox_app().app_context():
        flask_body = jsonify(status="success", message="Event processed", dedup_key=dedup_key).get_data()
    assert json_answer(202, status="success", message="Event processed", dedup_key=dedup_key).body == flask_body


def test_an_event_merges_into_the_newest_unresolved_incident_of_its_key_and_dedup_key():
    state = SandboxState()
    seed_demo(state)
    other_key = next(k for k in state.key_to_service if k != DEMO_INTEGRATION_KEY)
    for raw in (event("k-1"), event("k-1", "resolve"), event("k-1"), event("k-1", "resolve")):
        assert answer_event(state, raw, "http://" + HOST).status == 202
    first, second = state.incidents.values()
    story.act(state, first, "reopen", {}, "http://" + HOST, notify=False)  # the older one open again, the newer not
    answer_event(state, event("k-1", summary="again"), "http://" + HOST)
    answer_event(state, event("k-1", key=other_key), "http://" + HOST)  # another key: an incident of its own
    assert [len(i["alerts"]) for i in state.incidents.values()] == [2, 1, 1]
    assert [i["status"] for i in state.incidents.values()] == ["triggered", "resolved", "triggered"]
