"""Connecting, validating, pausing and disconnecting."""

import pytest

from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY
from webapp.connection import services
from webapp.errors import DomainError
from webapp.health.badge import status_badge
from webapp.models import AuditEntry, Connection, Delivery, WebhookSecret
from webapp.pagerduty.accounts import mark_auth_failure


def test_api_token_is_validated_with_a_real_call(db, org, pd_account):
    connection = services.connect_api_token(org.id, PD_TOKEN, VDP_KEY, "whsec-one", "us")
    assert connection.state == "connected" and connection.account_email == "responder@example.com"
    assert db.session.scalar(db.select(WebhookSecret.secret)) == "whsec-one"
    assert db.session.scalar(db.select(AuditEntry.action).filter_by(action="pagerduty.connected"))


def test_bad_token_saves_nothing(db, org, pd_account):
    with pytest.raises(DomainError) as error:
        services.connect_api_token(org.id, "wrong-token", VDP_KEY)
    assert error.value.message.startswith("Connection failed") and "api_token" in error.value.fields
    assert db.session.scalar(db.select(Connection)) is None


def test_routing_key_is_checked_for_form(db, org):
    with pytest.raises(DomainError) as error:
        services.connect_routing_key(org.id, "short", "Security")
    assert "routing_key" in error.value.fields
    with pytest.raises(DomainError):
        services.connect_routing_key(org.id, DEFAULT_KEY, "")
    connection = services.connect_routing_key(org.id, DEFAULT_KEY, "Security")
    assert connection.method == "routing_key" and connection.api_token is None


def test_auth_failure_pauses_and_reconnect_resumes(db, connected):
    db.session.add(
        Delivery(
            org_id=connected.id,
            action="trigger",
            event_type="x",
            dedup_key="report-1",
            routing_key=VDP_KEY,
            status="pending",
        )
    )
    db.session.commit()
    mark_auth_failure(connected.id, "PagerDuty refused the credentials (HTTP 401)")
    assert status_badge(connected.id)["state"] == "error"
    assert db.session.scalar(db.select(Delivery.status)) == "paused"
    services.connect_api_token(connected.id, PD_TOKEN, VDP_KEY)
    assert db.session.scalar(db.select(Delivery.status)) == "pending"
    assert status_badge(connected.id)["state"] == "connected"


def test_disconnect_cancels_and_wipes_but_keeps_rules(db, connected):
    from webapp.orgs import alert_rules as rules

    rules.save_alert_rules(connected.id, {"new_report": {"enabled": False, "severity": "info"}})
    db.session.add(
        Delivery(
            org_id=connected.id,
            action="trigger",
            event_type="x",
            dedup_key="report-1",
            routing_key=VDP_KEY,
            status="retrying",
        )
    )
    db.session.commit()
    assert services.disconnect(connected.id) == (1, None)
    connection = db.session.scalar(db.select(Connection))
    assert connection.state == "disconnected" and connection.api_token is None and connection.integration_key is None
    assert db.session.scalar(db.select(Delivery.status)) == "cancelled"
    assert rules.rule_for(connected.id, "new_report")["enabled"] is False


def test_status_lines_name_webhook_url_and_warnings(db, connected):
    from webapp.models import OnCallSettings

    db.session.get(OnCallSettings, connected.id).unmatched_email = "ghost@example.com"
    db.session.commit()
    lines = services.status_lines(connected.model)
    assert "state: connected" in lines and "badge: Connected, needs attention" in lines
    assert any(connected.model.webhook_token in line for line in lines)
    assert any("ghost@example.com" in line for line in lines)
