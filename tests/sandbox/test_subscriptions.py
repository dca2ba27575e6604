"""The sandbox's webhook subscription endpoints and its controls, held to PagerDuty's REST description."""

import pytest
import requests

from sandbox.demo import DEMO_API_TOKEN, DEMO_INTEGRATION_KEY
from tests.sandbox.test_sandbox import HEADERS, SPECS, check_against_spec, trigger

pytestmark = pytest.mark.skipif(not SPECS.exists(), reason="shared/pagerduty not beside the repo")
API = "https://api.pagerduty.com"


@pytest.fixture()
def demo(pd):
    from sandbox.demo import seed_demo

    seed_demo(pd.state)
    return pd


def create(url, hook="http://127.0.0.1:9/hook", filter_=None):
    response = requests.post(
        url + "/webhook_subscriptions",
        headers=HEADERS,
        json={
            "webhook_subscription": {
                "type": "webhook_subscription",
                "events": ["incident.acknowledged"],
                "delivery_method": {"type": "http_delivery_method", "url": hook},
                "filter": filter_ or {"type": "account_reference"},
            }
        },
    )
    assert response.status_code == 200
    return response.json()["webhook_subscription"]


def test_get_put_enable_delete_answer_as_documented(demo):
    subscription = create(demo.url)
    path = f"{demo.url}/webhook_subscriptions/{subscription['id']}"
    got = requests.get(path, headers=HEADERS)
    check_against_spec("rest-openapiv3.json", got, API)
    assert got.json()["webhook_subscription"]["delivery_method"]["secret"] is None
    put = requests.put(path, headers=HEADERS, json={"webhook_subscription": {"active": False}})
    check_against_spec("rest-openapiv3.json", put, API)
    assert put.json()["webhook_subscription"]["active"] is False
    requests.post(f"{demo.url}/_sandbox/webhook_subscriptions/{subscription['id']}/disable").raise_for_status()
    assert requests.get(path, headers=HEADERS).json()["webhook_subscription"]["delivery_method"]["temporarily_disabled"]
    enabled = requests.post(path + "/enable", headers=HEADERS)
    check_against_spec("rest-openapiv3.json", enabled, API)
    assert enabled.json()["webhook_subscription"]["delivery_method"]["temporarily_disabled"] is False
    deleted = requests.delete(path, headers=HEADERS)
    assert deleted.status_code == 204 and deleted.content == b""
    missing = requests.get(path, headers=HEADERS)
    assert missing.status_code == 404
    check_against_spec("rest-openapiv3.json", missing, API)


def test_bad_updates_are_400(demo):
    subscription = create(demo.url)
    path = f"{demo.url}/webhook_subscriptions/{subscription['id']}"
    for body in ({}, {"webhook_subscription": {"events": []}}, {"webhook_subscription": {"active": "yes"}}):
        response = requests.put(path, headers=HEADERS, json=body)
        assert response.status_code == 400
        check_against_spec("rest-openapiv3.json", response, API)


def test_listing_filters_as_documented(demo):
    create(demo.url)
    create(demo.url, filter_={"type": "service_reference", "id": "PVDP001"})
    everything = requests.get(demo.url + "/webhook_subscriptions", headers=HEADERS)
    check_against_spec("rest-openapiv3.json", everything, API)
    assert len(everything.json()["webhook_subscriptions"]) == 2
    by_service = requests.get(
        demo.url + "/webhook_subscriptions?filter_type=service&filter_id=PVDP001", headers=HEADERS
    ).json()["webhook_subscriptions"]
    assert [s["filter"] for s in by_service] == [{"type": "service_reference", "id": "PVDP001"}]
    account = requests.get(demo.url + "/webhook_subscriptions?filter_type=account", headers=HEADERS).json()
    assert [s["filter"]["type"] for s in account["webhook_subscriptions"]] == ["account_reference"]
    bad = requests.get(demo.url + "/webhook_subscriptions?filter_type=team", headers=HEADERS)
    assert bad.status_code == 400
    check_against_spec("rest-openapiv3.json", bad, API)


def test_three_dropped_deliveries_disable_a_subscription(demo):
    subscription = create(demo.url)  # nothing listens on port 9: every delivery is dropped
    for n in range(3):
        trigger(demo.url, f"report-{n}")
        incident_id = demo.state.incident_by_key(f"report-{n}")["id"]
        requests.post(f"{demo.url}/_sandbox/incidents/{incident_id}/acknowledge?sync=1").raise_for_status()
    got = requests.get(f"{demo.url}/webhook_subscriptions/{subscription['id']}", headers=HEADERS).json()
    assert got["webhook_subscription"]["delivery_method"]["temporarily_disabled"] is True
    trigger(demo.url, "report-9")
    incident_id = demo.state.incident_by_key("report-9")["id"]
    outcome = requests.post(f"{demo.url}/_sandbox/incidents/{incident_id}/acknowledge?sync=1").json()
    assert outcome["webhooks"] == []


def test_deleting_an_integration_makes_its_key_invalid(demo):
    service = demo.state.accounts[DEMO_API_TOKEN].services["PVDP001"]
    integration_id = service["integrations"][0]["id"]
    assert requests.delete(f"{demo.url}/_sandbox/services/PVDP001/integrations/{integration_id}").status_code == 200
    refused = trigger(demo.url, key=DEMO_INTEGRATION_KEY)
    assert refused.status_code == 400 and refused.json()["errors"] == ["Invalid routing key"]
    check_against_spec("events-v2-openapiv3.json", refused, "https://events.pagerduty.com")
    got = requests.get(f"{demo.url}/services/PVDP001/integrations/{integration_id}", headers=HEADERS)
    assert got.status_code == 404
    assert requests.delete(f"{demo.url}/_sandbox/services/PVDP001/integrations/{integration_id}").status_code == 404
