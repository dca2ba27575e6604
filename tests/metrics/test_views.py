"""GET /metrics: off without METRICS_TOKEN, refused without the right bearer token, every contract name present."""

import math

import pytest

from tests.metrics.conftest import TOKEN, parse

CONTRACT_NAMES = (
    "pagerbridge_deliveries_pending",
    "pagerbridge_oldest_pending_delivery_seconds",
    "pagerbridge_delivery_latency_seconds",
    "pagerbridge_pagerduty_responses_total",
    "pagerbridge_webhooks_received_total",
    "pagerbridge_worker_heartbeat_age_seconds",
    "pagerbridge_scheduler_last_run_seconds",
    "pagerbridge_sla_pass_seconds",
)


def test_404_while_metrics_token_is_unset(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer wrong-token", f"Token {TOKEN}", f"Bearer {TOKEN}x", f"Basic {TOKEN}"]
)
def test_refused_without_the_right_bearer_token(client, metrics_token, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "pagerbridge_" not in response.get_data(as_text=True)


def test_prometheus_text_with_every_contract_name(client, metrics_token):
    response = client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    for name in CONTRACT_NAMES:
        assert f"# TYPE {name} " in text, name
    samples = parse(text)
    assert samples[("pagerbridge_deliveries_pending", frozenset({("queue", "alerts")}))] == 0
    assert samples[("pagerbridge_deliveries_pending", frozenset({("queue", "alerts-critical")}))] == 0
    assert samples[("pagerbridge_oldest_pending_delivery_seconds", frozenset())] == 0
    assert samples[("pagerbridge_worker_heartbeat_age_seconds", frozenset())] == math.inf
    assert math.isnan(samples[("pagerbridge_sla_pass_seconds", frozenset())])
    assert samples[("pagerbridge_delivery_latency_seconds_count", frozenset())] == 0
