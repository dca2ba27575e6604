"""Fixtures for the metrics tests: /metrics switched on, a parsed scrape."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-test-token"


@pytest.fixture()
def metrics_token(app, monkeypatch):
    """METRICS_TOKEN set for the test."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def parse(text):
    """{(sample name, frozenset of labels): value} of an exposition text."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture()
def scrape(client, metrics_token):
    """scrape() -> the parsed samples of GET /metrics."""

    def run():
        response = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return parse(response.get_data(as_text=True))

    return run


def value(samples, name, **labels):
    """One sample's value, 0 when absent."""
    return samples.get((name, frozenset(labels.items())), 0)


@pytest.fixture(autouse=True)
def counting(monkeypatch):
    """Counting on, whatever Redis outage an earlier test simulated in this process."""
    from webapp import counters

    monkeypatch.setattr(counters, "_paused_until", [0.0])
