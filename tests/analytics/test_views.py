"""The API's bad parameters, and the page: who sees it, empty state, htmx fragments, strict CSP."""

import pytest


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"group_by": "team"}, "group_by"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-11-03T00:00:00Z", "until": "2026-11-02T00:00:00Z"}, "since"),
        ({"format": "xml"}, "format"),
        ({"since": "9" * 60}, "since"),
    ],
)
def test_bad_parameters_answer_422_naming_them(api, query, field):
    response = api.get("/analytics", query_string=query)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_defaults_are_the_last_30_days_grouped_by_service(api):
    answer = api.get("/analytics").json
    assert answer["group_by"] == "service" and answer["groups"] == []
    assert answer["total"]["paged"] == 0 and answer["total"]["time_to_page"] == {"median": None, "p90": None}
    from datetime import datetime

    since, until = (datetime.fromisoformat(answer[k].replace("Z", "+00:00")) for k in ("since", "until"))
    assert (until - since).days == 30


def test_needs_a_token(client):
    assert client.get("/api/v1/analytics").status_code == 401


def test_members_see_the_page_with_an_empty_state_that_says_what_to_do(member_client):
    page = member_client.get("/analytics/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="analytics-empty"' in html and "delivery log" in html
    assert " style=" not in html and "<script>" not in html
    assert 'href="/analytics/"' in html  # in the navigation


def test_htmx_swaps_only_the_results(htmx_client):
    response = htmx_client.get("/analytics/?days=7&group_by=responder", headers={"HX-Target": "analytics-results"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="analytics-results"') and "<html" not in html
    assert 'data-preset="7"' in html and 'aria-current="true">Responder<' in html


def test_a_bad_custom_range_is_a_form_error_not_a_500(admin_client):
    response = admin_client.get("/analytics/?from=2026-11-05&to=2026-11-01")
    assert response.status_code == 422 and 'id="analytics-error"' in response.get_data(as_text=True)
    assert admin_client.get("/analytics/?from=nonsense").status_code == 422


@pytest.mark.parametrize(
    "days", [("9999-12-31", "9999-12-31"), ("0001-01-01", "9999-12-31"), ("1969-12-31", "2026-11-01")]
)
def test_a_custom_range_past_the_calendar_is_a_form_error_not_a_500(admin_client, days):
    response = admin_client.get(f"/analytics/?from={days[0]}&to={days[1]}")
    assert response.status_code == 422 and 'id="analytics-error"' in response.get_data(as_text=True)


def test_logged_out_is_sent_to_login(client):
    assert client.get("/analytics/").status_code == 302
