"""The sandbox keeps who acknowledged or resolved an incident and when, as PagerDuty shows it, and can lose webhooks."""

import pytest
import requests

from tests.sandbox.test_sandbox import HEADERS, SPECS, check_against_spec, demo, trigger  # noqa: F401 - fixture

needs_specs = pytest.mark.skipif(not SPECS.exists(), reason="shared/pagerduty not beside the repo")


def control(url, incident_id, action, **query):
    response = requests.post(f"{url}/_sandbox/incidents/{incident_id}/{action}", params=query)
    assert response.status_code == 200
    return response.json()["webhooks"]


@needs_specs
def test_acknowledged_then_resolved_say_who_and_when(demo):  # noqa: F811
    trigger(demo.url, "report-7")
    incident = demo.state.incident_by_key("report-7")
    user = next(iter(demo.state.accounts.values())).users[0]
    response = requests.get(f"{demo.url}/incidents/{incident['id']}", headers=HEADERS)
    assert response.json()["incident"]["acknowledgements"] == [] and "resolved_at" not in response.json()["incident"]
    requests.post(f"{demo.url}/_sandbox/incidents/{incident['id']}/acknowledge?webhook=0", json={"user_id": user["id"]})
    response = requests.get(f"{demo.url}/incidents/{incident['id']}", headers=HEADERS)
    check_against_spec("rest-openapiv3.json", response, "https://api.pagerduty.com")
    body = response.json()["incident"]
    assert body["acknowledgements"][0]["acknowledger"]["summary"] == user["name"]
    assert body["last_status_change_by"] == body["acknowledgements"][0]["acknowledger"]
    assert body["acknowledgements"][0]["at"] == body["last_status_change_at"]
    requests.post(
        demo.url + "/v2/enqueue",
        json={"routing_key": incident["routing_key"], "event_action": "resolve", "dedup_key": "report-7"},
    )
    listed = requests.get(f"{demo.url}/incidents?statuses[]=resolved&date_range=all", headers=HEADERS)
    check_against_spec("rest-openapiv3.json", listed, "https://api.pagerduty.com")
    body = listed.json()["incidents"][0]
    assert body["acknowledgements"] == [] and body["resolved_at"] == body["last_status_change_at"]
    assert body["last_status_change_by"]["type"] == "service_reference"


def test_losing_the_webhook_sends_none(demo):  # noqa: F811
    demo.state.accounts[next(iter(demo.state.accounts))].subscriptions.append(
        {
            "id": "PSUB001",
            "url": "http://127.0.0.1:9/hook",
            "secret": "s",
            "events": ["incident.acknowledged"],
            "active": True,
        }
    )
    trigger(demo.url, "report-8")
    incident = demo.state.incident_by_key("report-8")
    assert control(demo.url, incident["id"], "acknowledge", webhook="0") == []
    assert demo.state.webhook_deliveries == [] and incident["status"] == "acknowledged"


def test_an_incident_key_query_finds_grouped_incidents_by_their_alerts(demo):  # noqa: F811
    trigger(demo.url, "report-9")
    demo.state.incident_by_key("report-9")["incident_key"] = ""
    found = requests.get(f"{demo.url}/incidents?incident_key=report-9", headers=HEADERS).json()["incidents"]
    assert len(found) == 1 and found[0]["incident_key"] == ""
