"""The sandbox answers as PagerDuty's descriptions say."""

import hashlib
import hmac
import json
import time
from functools import cache
from pathlib import Path

import pytest
import requests

from sandbox.demo import DEMO_API_TOKEN, DEMO_INTEGRATION_KEY, seed_demo
from sandbox.sending import sign

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "pagerduty"
if not SPECS.exists():
    SPECS = Path(__file__).resolve().parents[3] / "shared" / "pagerduty"
HEADERS = {"Authorization": f"Token token={DEMO_API_TOKEN}", "Accept": "application/vnd.pagerduty+json;version=2"}


@pytest.fixture()
def demo(pd):
    seed_demo(pd.state)
    return pd


def trigger(url, dedup_key="report-1", key=DEMO_INTEGRATION_KEY, summary="Summary", severity="warning"):
    return requests.post(
        url + "/v2/enqueue",
        json={
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {"summary": summary, "source": "pagerbridge", "severity": severity},
        },
    )


@cache
def openapi(name):
    from openapi_core import Config, OpenAPI

    spec = json.loads((SPECS / name).read_text())
    # PagerDuty's published REST file has a few schema defaults of the wrong type; validate traffic, not the file.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def check_against_spec(name, response, server):
    """Validate a real request/response pair with openapi-core (server rewritten to PagerDuty's host)."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    request = response.request
    request.url = request.url.replace(response.url.split("/", 3)[0] + "//" + response.url.split("/", 3)[2], server)
    openapi(name).validate_response(RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(response))


@pytest.mark.skipif(not SPECS.exists(), reason="shared/pagerduty not beside the repo")
def test_events_answers_match_the_events_spec(demo):
    ok = trigger(demo.url)
    assert ok.status_code == 202 and ok.json()["dedup_key"] == "report-1"
    check_against_spec("events-v2-openapiv3.json", ok, "https://events.pagerduty.com")
    bad = trigger(demo.url, summary="", severity="loud")
    assert bad.status_code == 400 and bad.json()["status"] == "invalid event"
    check_against_spec("events-v2-openapiv3.json", bad, "https://events.pagerduty.com")


@pytest.mark.skipif(not SPECS.exists(), reason="shared/pagerduty not beside the repo")
@pytest.mark.parametrize(
    "path",
    [
        "/services?limit=2",
        "/services/PVDP001",
        "/services?total=true",
        "/users",
        "/oncalls?schedule_ids[]=PSCHED1",
        "/schedules",
        "/v3/schedules",
        "/incidents?incident_key=report-1",
        "/incidents?incident_key=report-1&total=true",
        "/users/me",
        "/abilities",
        "/users/PUSER01",
        "/v3/schedules/PSCHED3?include[]=final_schedule&since=2026-01-05T00:00:00Z&until=2026-01-06T00:00:00Z",
    ],
)
def test_rest_answers_match_the_rest_spec(demo, path):
    """include[]=integrations is left out: PagerDuty returns full integration objects there, which the file omits."""
    trigger(demo.url)
    response = requests.get(demo.url + path, headers=HEADERS)
    assert response.status_code == 200, response.text
    check_against_spec("rest-openapiv3.json", response, "https://api.pagerduty.com")


def test_trigger_opens_one_incident_per_key_and_merges_repeats(demo):
    trigger(demo.url, "incident-1")
    trigger(demo.url, "incident-1")
    trigger(demo.url, "incident-2")
    incidents = list(demo.state.incidents.values())
    assert [i["incident_key"] for i in incidents] == ["incident-1", "incident-2"]
    assert len(incidents[0]["alerts"]) == 2


def test_ack_and_resolve_need_the_same_routing_key(demo):
    other_key = "e" * 31 + "2"
    trigger(demo.url, "report-9")
    resolve = {"event_action": "resolve", "dedup_key": "report-9"}
    requests.post(demo.url + "/v2/enqueue", json={**resolve, "routing_key": other_key})
    assert demo.state.incident_by_key("report-9")["status"] == "triggered"
    requests.post(demo.url + "/v2/enqueue", json={**resolve, "routing_key": DEMO_INTEGRATION_KEY})
    assert demo.state.incident_by_key("report-9")["status"] == "resolved"


def test_validation_as_pagerduty(demo):
    assert trigger(demo.url, summary="x" * 1025).status_code == 400
    assert trigger(demo.url, key="0" * 32).json()["errors"] == ["Invalid routing key"]
    assert trigger(demo.url, dedup_key="k" * 256).status_code == 400
    ack = requests.post(
        demo.url + "/v2/enqueue", json={"routing_key": DEMO_INTEGRATION_KEY, "event_action": "acknowledge"}
    )
    assert ack.status_code == 400


def test_rest_needs_a_valid_token(demo):
    response = requests.get(demo.url + "/services", headers={"Authorization": "Token token=wrong"})
    assert response.status_code == 401 and response.json()["error"]["message"] == "Unauthorized"


def test_pagination_limits(demo):
    account = demo.state.accounts[DEMO_API_TOKEN]
    for n in range(250):
        demo.state.add_service(account, f"Bulk {n:03}")
    seen, offset = [], 0
    while True:
        page = requests.get(demo.url + f"/services?limit=100&offset={offset}", headers=HEADERS).json()
        seen += page["services"]
        if not page["more"]:
            break
        offset += 100
    assert len(seen) == 256 and len({s["id"] for s in seen}) == 256
    assert requests.get(demo.url + "/services?limit=100&offset=9950", headers=HEADERS).status_code == 400


def test_integration_creation_returns_a_key(demo):
    response = requests.post(
        demo.url + "/services/PPAY001/integrations",
        headers=HEADERS,
        json={"integration": {"type": "events_api_v2_inbound_integration", "name": "PB"}},
    )
    assert response.status_code == 201
    key = response.json()["integration"]["integration_key"]
    service = requests.get(demo.url + "/services/PPAY001?include[]=integrations", headers=HEADERS).json()["service"]
    assert [i["integration_key"] for i in service["integrations"]] == [key]
    assert trigger(demo.url, key=key).status_code == 202


def test_rate_limit_per_integration_key(demo):
    demo.state.events_per_minute = 3
    codes = [trigger(demo.url, f"k{n}").status_code for n in range(4)]
    assert codes == [202, 202, 202, 429]
    assert len(demo.state.received_events()) == 3


def test_faults(demo):
    demo.state.add_fault("429", count=1, retry_after=7, scope="events")
    throttled = trigger(demo.url)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    demo.state.add_fault("500", count=1, scope="events")
    assert trigger(demo.url).status_code == 500
    assert trigger(demo.url).status_code == 202
    demo.state.add_fault("401", count=1, scope="rest")
    assert requests.get(demo.url + "/services", headers=HEADERS).status_code == 401


def test_a_hang_answers_nothing_until_the_client_gives_up_and_is_carried_out_after(demo):
    demo.state.add_fault("hang", count=1, delay=1.0, scope="events")
    with pytest.raises(requests.Timeout):
        requests.post(
            demo.url + "/v2/enqueue",
            json={
                "routing_key": DEMO_INTEGRATION_KEY,
                "event_action": "trigger",
                "dedup_key": "report-9",
                "payload": {"summary": "Held", "source": "pagerbridge", "severity": "warning"},
            },
            timeout=0.2,
        )
    assert demo.state.hung == 1
    deadline = time.monotonic() + 10
    while not demo.state.received_events(dedup_key="report-9") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(demo.state.received_events(dedup_key="report-9")) == 1  # PagerDuty acted on the unanswered call


def test_oncall_rotates_with_time(demo):
    account = demo.state.accounts[DEMO_API_TOKEN]
    schedule = account.schedules[0]
    schedule["start"] = time.time() - 1.5 * 86400
    entries = requests.get(demo.url + "/oncalls?schedule_ids[]=PSCHED1&include[]=users", headers=HEADERS).json()
    assert entries["oncalls"][0]["user"]["email"].lower() == "member@example.com"


def test_notes_need_a_from_header(demo):
    trigger(demo.url, "incident-5")
    incident_id = demo.state.incident_by_key("incident-5")["id"]
    url = demo.url + f"/incidents/{incident_id}/notes"
    assert requests.post(url, headers=HEADERS, json={"note": {"content": "x"}}).status_code == 400
    response = requests.post(url, headers={**HEADERS, "From": "admin@example.com"}, json={"note": {"content": "x"}})
    assert response.status_code == 200 and demo.state.notes[0]["content"] == "x"


def test_incident_list_covers_the_last_month_unless_asked_for_all(demo):
    trigger(demo.url, "incident-6")
    requests.post(
        demo.url + "/v2/enqueue",
        json={"routing_key": DEMO_INTEGRATION_KEY, "event_action": "resolve", "dedup_key": "incident-6"},
    )
    demo.state.incident_by_key("incident-6")["created_at"] -= 40 * 24 * 3600
    trigger(demo.url, "incident-6")
    listed = lambda query: [
        i["status"]
        for i in requests.get(  # noqa: E731
            demo.url + "/incidents?incident_key=incident-6" + query, headers=HEADERS
        ).json()["incidents"]
    ]
    assert listed("") == ["triggered"]
    assert listed("&date_range=all") == ["resolved", "triggered"]
    assert listed("&date_range=all&sort_by=created_at:desc") == ["triggered", "resolved"]


def test_acknowledge_sends_a_signed_webhook(demo):
    received = {}

    import threading

    from werkzeug.serving import make_server

    def receiver(environ, start_response):
        received["body"] = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        received["signature"] = environ.get("HTTP_X_PAGERDUTY_SIGNATURE")
        start_response("202 Accepted", [])
        return [b""]

    server = make_server("127.0.0.1", 0, receiver)
    threading.Thread(target=server.handle_request, daemon=True).start()
    created = requests.post(
        demo.url + "/webhook_subscriptions",
        headers=HEADERS,
        json={
            "webhook_subscription": {
                "type": "webhook_subscription",
                "events": ["incident.acknowledged"],
                "delivery_method": {
                    "type": "http_delivery_method",
                    "url": f"http://127.0.0.1:{server.server_port}/hook",
                },
                "filter": {"type": "account_reference"},
            }
        },
    ).json()["webhook_subscription"]
    secret = created["delivery_method"]["secret"]
    listed = requests.get(demo.url + "/webhook_subscriptions", headers=HEADERS).json()["webhook_subscriptions"]
    assert listed[0]["delivery_method"]["secret"] is None
    trigger(demo.url, "report-3")
    incident_id = demo.state.incident_by_key("report-3")["id"]
    outcome = requests.post(demo.url + f"/_sandbox/incidents/{incident_id}/acknowledge?sync=1").json()
    assert outcome["webhooks"][0]["status"] == 202
    expected = "v1=" + hmac.new(secret.encode(), received["body"], hashlib.sha256).hexdigest()
    assert received["signature"] == expected == sign(secret, received["body"])
    event = json.loads(received["body"])["event"]
    assert event["event_type"] == "incident.acknowledged" and event["data"]["incident_key"] == "report-3"
    # The control answer names PagerDuty's time and agent of what it sent, so a walk can compute figures from them.
    assert outcome["webhooks"][0]["occurred_at"] == event["occurred_at"]
    assert outcome["webhooks"][0]["agent"] == event["agent"]["summary"]
    server.server_close()
