"""Issue 22's API reproducers: out-of-range times and ids in filters and cursors, column-sized schemas, no-store,
and one rate-limit budget for every unknown token of an address; each with a property-based companion."""

import base64
import json
import secrets
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import TEXT, fuzz_settings
from webapp.inputs import MAX_ID

LISTS = ("/reports", "/incidents", "/deliveries")
OUT_OF_RANGE = ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00")


def cursor(*parts):
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/reports", "/incidents"])
@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_an_updated_since_outside_utc_is_a_422_naming_it(api, path, moment):
    response = api.get(path, query_string={"updated_since": moment})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "updated_since" in response.json["error"]["fields"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "parts",
    [
        ("0001-01-01T00:00:00+01:00", 1),
        ("9999-12-31T23:59:59-01:00", 1),
        ("2026-01-01T00:00:00+00:00", 2**31),
        ("2026-01-01T00:00:00+00:00", 2**63),
        ("2026-01-01T00:00:00+00:00", 0),
        ("2026-01-01T00:00:00+00:00", -1),
        ("2026-01-01T00:00:00+00:00", True),
    ],
)
def test_a_cursor_outside_the_bounds_is_a_422_naming_it(api, path, parts):
    response = api.get(path, query_string={"cursor": cursor(*parts)})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "cursor" in response.json["error"]["fields"]


@pytest.mark.parametrize("path", LISTS)
def test_the_edges_of_the_bounds_still_work(api, path):
    assert api.get(path, query_string={"cursor": cursor("9999-12-31T23:59:59+00:00", MAX_ID)}).status_code == 200
    assert api.get(path, query_string={"cursor": cursor("0001-01-01T00:00:00-01:00", 1)}).status_code == 200
    if path != "/deliveries":
        assert api.get(path, query_string={"updated_since": "0001-01-01T00:00:00-01:00"}).status_code == 200


ZONED = st.datetimes(timezones=st.timezones() | st.none()).map(lambda moment: moment.isoformat())
CURSOR_PARTS = st.tuples(
    st.one_of(ZONED, TEXT, st.sampled_from(OUT_OF_RANGE)),
    st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(), TEXT),
)


@fuzz_settings(75)
@given(
    path=st.sampled_from(LISTS),
    since=st.one_of(st.none(), ZONED, st.sampled_from(OUT_OF_RANGE), TEXT),
    parts=st.one_of(st.none(), CURSOR_PARTS),
)
def test_list_queries_and_cursors_answer_200_or_422(api, path, since, parts):
    query = {}
    if since is not None:
        query["updated_since"] = since
    if parts is not None:
        query["cursor"] = cursor(*parts)
    response = api.get(path, query_string=urlencode(query, errors="surrogatepass"))
    assert response.status_code in (200, 422), (query, response.get_data(as_text=True))


def test_inventory_region_longer_than_its_column_is_a_422(api):
    def put(region):
        resource = {"provider": "aws", "resource_id": "i-1", "resource_type": "ec2", "region": region}
        return api.put("/inventory", json={"cloud_resources": [resource]})

    assert put("r" * 64).status_code == 200
    response = put("r" * 65)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"cloud_resources[0].region": "at most 64 characters"}


def test_api_answers_are_never_stored_by_caches(api, client):
    assert api.get("/reports").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/reports").headers["Cache-Control"] == "no-store"  # the 401 too


def test_unknown_and_missing_tokens_share_one_budget_per_address(app, api, client):
    saved, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], "5/minute"
    try:
        statuses = [
            client.get("/api/v1/reports", headers={"Authorization": f"Bearer {secrets.token_hex(8)}"}).status_code
            for _ in range(8)
        ]
        missing = client.get("/api/v1/reports").status_code
        known = api.get("/reports").status_code  # a live token keeps its own budget
    finally:
        app.config["API_RATE_LIMIT"] = saved
    assert statuses == [401] * 5 + [429] * 3 and missing == 429 and known == 200
