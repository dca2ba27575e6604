"""Issue 22: the connect form and every form field with a column behind it: limits from the column, a token HTTP
cannot carry is 'Connection failed' with a reason, PagerDuty's long names are cut to fit; never a 5xx."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PD_TOKEN
from tests.fuzzing import TEXT, form_bodies, fuzz_settings
from webapp.models import Connection

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("token", ["tok☃", "tok\u20ac", "токен", "a\nb"])
def test_a_token_http_cannot_carry_is_connection_failed_with_a_reason(admin_client, db, org, pd_account, token):
    response = admin_client.post("/settings/pagerduty/connect", data={"use_api_token": "y", "api_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Connection failed" in page, page[:500]
    assert db.session.scalar(db.select(Connection).filter_by(org_id=org.id, state="connected")) is None


def test_a_pagerduty_user_name_longer_than_the_column_is_cut_to_fit(admin_client, db, org, pd):
    long_name = "N" * 300
    pd.state.seed(
        {
            "accounts": [
                {
                    "api_token": PD_TOKEN,
                    "token_type": "user",
                    "user_email": "long@example.com",
                    "services": [],
                    "users": [{"name": long_name, "email": "long@example.com"}],
                }
            ]
        }
    )
    response = admin_client.post(
        "/settings/pagerduty/connect", data={"use_api_token": "y", "api_token": PD_TOKEN, "region": "us"}
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    connection = db.session.scalar(db.select(Connection).filter_by(org_id=org.id))
    assert connection.state == "connected" and len(connection.account_summary) == 200
    assert connection.account_summary.startswith("NNNN") and connection.account_email == "long@example.com"


def test_a_service_name_longer_than_its_column_is_refused_next_to_the_field(admin_client, db, org):
    data = {"routing_key": "a" * 32, "service_name": "s" * 201, "region": "us"}
    response = admin_client.post("/settings/pagerduty/connect", data=data)
    assert response.status_code == 422 and "At most 200 characters" in response.get_data(as_text=True)


def test_an_oncall_schedule_id_longer_than_its_column_is_a_form_error(admin_client, db, org):
    response = admin_client.post("/oncall/mode", data={"mode": "pagerduty", "schedule_id": "P" * 33})
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose a schedule from the list." in page
    from webapp.oncall.services import settings_of

    assert settings_of(org.id).schedule_id is None


def test_a_failed_flush_does_not_break_the_error_page(admin_client, app, monkeypatch):
    """A column overflow PostgreSQL refuses at flush used to break teardown (PendingRollbackError in load_user)."""
    from webapp.extensions import db
    from webapp.oncall import services

    def overflow(*args, **kwargs):
        from webapp.models import AuditEntry

        db.session.add(AuditEntry(org_id=None, actor=None, action=None))
        db.session.flush()  # refused: the session needs a rollback before any other query

    monkeypatch.setattr(services, "set_mode", overflow)
    app.config["PROPAGATE_EXCEPTIONS"], saved = False, app.config.get("PROPAGATE_EXCEPTIONS")
    try:
        response = admin_client.post("/oncall/mode", data={"mode": "manual"})
        assert response.status_code == 500
        assert admin_client.get("/oncall/settings").status_code == 200
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = saved


CONNECT = {
    "use_api_token": st.sampled_from(["y", "", "on"]),
    "api_token": st.one_of(TEXT, st.sampled_from(["tok☃", PD_TOKEN, "x" * 201, "é" * 10])),
    "integration_key": st.one_of(TEXT, st.just("a" * 32)),
    "signing_secret": TEXT,
    "routing_key": st.one_of(TEXT, st.just("b" * 32), st.just("c" * 65)),
    "service_name": st.one_of(TEXT, st.just("s" * 201)),
    "region": st.sampled_from(["us", "eu", "mars", ""]),
}


@fuzz_settings(50)
@given(body=form_bodies(CONNECT))
def test_the_connect_form_never_gives_a_5xx(admin_client, pd_account, body):
    response = admin_client.post("/settings/pagerduty/connect", data=body, content_type=FORM)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
