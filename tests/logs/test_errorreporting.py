"""Sentry starts only when SENTRY_DSN is set, with the Flask and RQ integrations, and never sees webhook tokens."""

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.rq import RqIntegration

from webapp.errorreporting import init_error_reporting, scrub_event


def test_skipped_without_a_dsn(monkeypatch):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    assert init_error_reporting("web", env={}) is False
    assert init_error_reporting("web", env={"SENTRY_DSN": ""}) is False
    assert calls == []


def test_started_with_flask_and_rq_when_a_dsn_is_set(monkeypatch):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    assert init_error_reporting("worker", env={"SENTRY_DSN": "https://key@sentry.example/1", "DYNO": "worker.1"})
    (options,) = calls
    assert options["dsn"] == "https://key@sentry.example/1" and options["server_name"] == "worker"
    assert {type(i) for i in options["integrations"]} == {FlaskIntegration, RqIntegration}
    assert options["send_default_pii"] is False and options["environment"] == "production"


def test_events_lose_the_webhook_token_and_bodies():
    event = {"request": {"url": "https://pb.example/webhooks/pagerduty/s3cr3t-token?x=1", "data": {"a": 1}}}
    scrubbed = scrub_event(event)
    assert scrubbed["request"] == {"url": "https://pb.example/webhooks/pagerduty/[redacted]?x=1"}
