"""The PagerDuty client reads the environment's proxy settings once per host, and still honours them."""

import pytest

from webapp.pagerduty import client


def test_proxies_come_from_the_environment_once_per_host_and_no_proxy_is_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    client.environment_settings.cache_clear()
    try:
        assert client.environment_settings("https://events.pagerduty.com")["proxies"]["https"] == (
            "http://proxy.example:3128"
        )
        assert client.environment_settings("https://internal.example")["proxies"] == {}
        monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")  # read once: a running process keeps it
        assert client.environment_settings("https://events.pagerduty.com")["proxies"]["https"] == (
            "http://proxy.example:3128"
        )
    finally:
        client.environment_settings.cache_clear()


def test_a_call_goes_through_the_proxy_the_environment_names(monkeypatch):
    seen = []
    monkeypatch.setattr(client._session, "send", lambda request, **kwargs: seen.append(kwargs) or _fail())
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    client.environment_settings.cache_clear()
    try:
        with pytest.raises(client.PagerDutyError):
            client.send("GET", "https://api.pagerduty.com/abilities")
        assert seen[0]["proxies"]["https"] == "http://proxy.example:3128"
    finally:
        client.environment_settings.cache_clear()


def _fail():
    import requests

    raise requests.ConnectionError("no network in tests")


def test_an_event_is_posted_as_prepared_json_through_the_proxy_the_environment_names(app, monkeypatch):
    import json

    seen = []

    class Adapter:
        def send(self, request, **kwargs):
            seen.append((request, kwargs))
            _fail()

    monkeypatch.setattr(client._session, "get_adapter", lambda url: Adapter())
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    client.environment_settings.cache_clear()
    event = {"routing_key": "k" * 32, "event_action": "trigger", "payload": {"summary": "Disk ✓"}}
    try:
        with app.app_context(), pytest.raises(client.PagerDutyError):
            client.post_event(event)
        with app.app_context(), pytest.raises(client.PagerDutyError):
            client.post_event({**event, "event_action": "resolve"})
    finally:
        client.environment_settings.cache_clear()
    (first, kwargs), (second, _) = seen
    assert "http://proxy.example:3128" in kwargs["proxies"].values() and kwargs["timeout"] == client.TIMEOUT
    assert first.method == "POST" and first.url.endswith("/v2/enqueue")
    assert json.loads(first.body) == event and json.loads(second.body)["event_action"] == "resolve"
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Content-Length"] == str(len(first.body)) and first.headers is not second.headers
