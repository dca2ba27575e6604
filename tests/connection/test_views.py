"""The PagerDuty settings pages: connect, method switch, test, disconnect, masking, roles."""

from tests.conftest import PD_TOKEN, VDP_KEY, wait_for
from webapp.models import Connection, JobRun


def test_overview_for_members_is_403(member_client):
    assert member_client.get("/settings/pagerduty/").status_code == 403


def test_connect_with_a_bad_token_shows_connection_failed(htmx_client, db, pd_account):
    response = htmx_client.post(
        "/settings/pagerduty/connect", data={"use_api_token": "y", "api_token": "nope", "region": "us"}
    )
    assert response.status_code == 422 and "Connection failed" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Connection)) is None


def test_connect_then_secrets_are_masked(admin_client, db, pd_account):
    response = admin_client.post(
        "/settings/pagerduty/connect",
        data={"use_api_token": "y", "api_token": PD_TOKEN, "integration_key": VDP_KEY, "region": "us"},
    )
    assert response.status_code == 302
    page = admin_client.get("/settings/pagerduty/").get_data(as_text=True)
    assert 'data-state="connected"' in page and PD_TOKEN not in page and VDP_KEY not in page
    assert "••••" + VDP_KEY[-4:] in page


def test_method_switch_without_a_page_load(htmx_client):
    legacy = htmx_client.get("/settings/pagerduty/connect-form").get_data(as_text=True)
    assert "Integration/Routing Key" in legacy and "Service Name" in legacy
    token = htmx_client.get("/settings/pagerduty/connect-form?use_api_token=y").get_data(as_text=True)
    assert "PagerDuty API Token" in token


def test_test_connection_polls_until_done(worker, htmx_client, db, connected, pd):
    response = htmx_client.post("/settings/pagerduty/test")
    assert "every 1s" in response.get_data(as_text=True)
    run = wait_for(lambda: (db.session.expire_all(), db.session.scalar(db.select(JobRun).filter_by(status="done")))[1])
    final = htmx_client.get(f"/settings/pagerduty/test/{run.id}")
    assert final.status_code == 286 and "triggered and resolved" in final.get_data(as_text=True)
    actions = [e["event_action"] for e in pd.state.received_events(routing_key=VDP_KEY)]
    assert actions == ["trigger", "resolve"]


def test_disconnect(admin_client, db, connected):
    assert admin_client.post("/settings/pagerduty/disconnect").status_code == 302
    assert db.session.scalar(db.select(Connection.state)) == "disconnected"


def test_error_banner_on_every_page(admin_client, db, connected):
    from webapp.pagerduty.accounts import mark_auth_failure

    mark_auth_failure(connected.id, "PagerDuty refused the credentials (HTTP 401)")
    body = admin_client.get("/reports/").get_data(as_text=True)
    assert "Alerts are paused and kept" in body
