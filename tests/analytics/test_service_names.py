"""A report sent with the integration key given at connect counts under the PagerDuty service that holds that key,
before any webhook names it (the contract's service keys are the service's name)."""

from tests.analytics import scenario
from webapp.models import Connection


def test_an_alert_sent_with_the_connect_key_counts_under_its_service_before_any_webhook(api, db, connected, pd):
    from webapp.routing.sync import run_sync

    run_sync(connected.id)  # Sync Services lists the services with their integrations: Security VDP holds the key
    assert db.session.scalar(db.select(Connection.service_name).filter_by(org_id=connected.id)) == "Security VDP"
    scenario.create(api, "/reports", {"title": "Never acknowledged"}, scenario.at(9))
    scenario.send_pending(db, scenario.at(9, 1))
    answer = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "service"}).json
    assert [(group["key"], group["paged"]) for group in answer["groups"]] == [("Security VDP", 1)]


def test_the_health_check_finds_the_service_of_the_connect_key_too(db, connected, pd):
    from webapp.health.checks import _services
    from webapp.pagerduty.accounts import credentials_for

    assert _services(connected.id, credentials_for(connected.id)) == []
    assert db.session.scalar(db.select(Connection.service_name).filter_by(org_id=connected.id)) == "Security VDP"


def test_a_key_no_service_holds_leaves_the_route_label(db, connected, pd):
    from webapp.pagerduty.accounts import note_vdp_service

    note_vdp_service(connected.id, [{"name": "Other", "integrations": [{"integration_key": "x" * 32}]}])
    assert db.session.scalar(db.select(Connection.service_name).filter_by(org_id=connected.id)) is None
