"""The setup checklist on the dashboard: each step's state from what the org did, gone (collapsed) once all are done."""

import re

from tests import factories
from tests.conftest import DEFAULT_KEY
from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.main.checklist import setup_checklist
from webapp.models import JobRun, WebhookSecret


def states(org_id):
    return {step.key: step.done for step in setup_checklist(org_id)}


def steps_on(page):
    return dict(re.findall(r'data-step="(\w+)" data-done="(true|false)"', page))


def test_a_new_org_sees_every_step_to_do_with_where_to_do_it(admin_client, member_client, db, org):
    page = admin_client.get("/").get_data(as_text=True)
    assert 'id="setup-checklist" data-complete="false" open' in page and "0 of 6 steps done" in page
    assert steps_on(page) == dict.fromkeys(("connect", "sync", "default", "webhook", "oncall", "test"), "false")
    for path in ("/settings/pagerduty", "/settings/routing/services", "/webhooks/settings", "/oncall/settings"):
        assert f'href="{path}' in page, path
    assert "setup-checklist" not in member_client.get("/").get_data(as_text=True)


def test_each_step_turns_done_as_it_is_done(admin_client, client, db, connected, pd):
    from webapp.connection.probe import run_test
    from webapp.oncall.services import set_manual

    assert states(connected.id) == {
        "connect": True,
        "sync": False,
        "default": False,
        "webhook": False,
        "oncall": False,
        "test": False,
    }
    service = factories.default_service(connected.id, None)
    steps = {step.key: step for step in setup_checklist(connected.id)}
    assert steps["sync"].done and not steps["default"].done and "not configured" in steps["default"].state
    service.integration_key = DEFAULT_KEY
    set_manual(connected.id, connected.admin.id)
    db.session.add(WebhookSecret(org_id=connected.id, secret=SECRET))
    db.session.commit()
    body = event_body("incident.acknowledged", "report-1")
    assert post(client, connected, body, sign(body, SECRET)).status_code == 202
    run = JobRun(org_id=connected.id, kind="test_connection", status="queued", total=2)
    db.session.add(run)
    db.session.commit()
    assert run_test(connected.id, run.id).startswith("Test event triggered and resolved")
    assert all(states(connected.id).values()), setup_checklist(connected.id)
    page = admin_client.get("/").get_data(as_text=True)
    assert 'data-complete="true"' in page and "Setup complete: all 6 steps done" in page
    assert 'data-complete="true" open' not in page


def test_a_bad_signature_does_not_verify_the_webhook_step(client, db, connected):
    db.session.add(WebhookSecret(org_id=connected.id, secret=SECRET))
    db.session.commit()
    body = event_body()
    assert post(client, connected, body, sign(body, "not-the-secret")).status_code == 401
    assert states(connected.id)["webhook"] is False


def test_the_routing_key_method_needs_no_services(db, org):
    from webapp.connection.services import connect_routing_key

    connect_routing_key(org.id, DEFAULT_KEY, "Security alerts")
    steps = {step.key: step for step in setup_checklist(org.id)}
    assert steps["connect"].done and steps["connect"].state == "Connected with the routing key of Security alerts"
    assert (
        steps["sync"].done and steps["default"].done and steps["default"].state == "Every alert goes to the routing key"
    )
