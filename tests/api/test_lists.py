"""GET /reports and /incidents: keyset pages behind an opaque cursor, newest first, with filters."""

from datetime import timedelta

import pytest


def _pages(api, path):
    seen, cursor = [], None
    while True:
        query = f"{path}{'&' if '?' in path else '?'}limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(query).json
        assert len(body["items"]) <= 2
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_five_reports_two_at_a_time_come_back_once_each(api):
    ids = [api.post("/reports", json={"title": f"report {n}"}).json["id"] for n in range(5)]
    assert _pages(api, "/reports") == list(reversed(ids))


def test_rows_added_between_pages_neither_repeat_nor_skip_one(api):
    ids = [api.post("/reports", json={"title": f"report {n}"}).json["id"] for n in range(5)]
    first = api.get("/reports?limit=2").json
    added = [api.post("/reports", json={"title": f"new {n}"}).json["id"] for n in range(3)]
    seen, cursor = [item["id"] for item in first["items"]], first["next_cursor"]
    while cursor:
        body = api.get(f"/reports?limit=2&cursor={cursor}").json
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if len(seen) == 3:  # more arrive mid-way too
            added.append(api.post("/reports", json={"title": "newer"}).json["id"])
    assert seen == list(reversed(ids)) and not set(added) & set(seen)
    assert _pages(api, "/reports")[: len(added)] == list(reversed(added))


def test_report_filters_and_item_shape(api):
    low = api.post("/reports", json={"title": "low", "severity": "low"}).json["id"]
    high = api.post("/reports", json={"title": "high", "severity": "high"}).json["id"]
    api.post(f"/reports/{high}/status", json={"status": "triaging"})
    assert [r["id"] for r in api.get("/reports?severity=low").json["items"]] == [low]
    items = api.get("/reports?status=triaging").json["items"]
    assert [r["id"] for r in items] == [high] and "timeline" not in items[0]
    assert {"submitted_at", "updated_at", "sla_state", "pagerduty"} <= set(items[0])


def test_updated_since(api, db):
    from webapp.models import Report
    from webapp.models.types import utcnow

    old = api.post("/reports", json={"title": "old"}).json["id"]
    db.session.get(Report, old).updated_at = utcnow() - timedelta(days=2)
    db.session.commit()
    fresh = api.post("/reports", json={"title": "fresh"}).json["id"]
    since = (utcnow() - timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert [r["id"] for r in api.get(f"/reports?updated_since={since}").json["items"]] == [fresh]


INCIDENT = {"kind": "kubernetes", "title": "t", "severity": "low", "cluster": "prod", "namespace": "web"}


def test_incidents_page_and_filter(api):
    ids = [api.post("/incidents", json={**INCIDENT, "external_id": f"e{n}"}).json["id"] for n in range(5)]
    api.post(
        "/incidents", json={"kind": "cloud", "title": "b", "severity": "high", "provider": "aws", "resource_id": "x"}
    )
    assert _pages(api, "/incidents?kind=kubernetes") == list(reversed(ids))
    assert [i["id"] for i in api.get("/incidents?external_id=e3").json["items"]] == [ids[3]]
    assert [i["kind"] for i in api.get("/incidents?severity=high").json["items"]] == ["cloud"]
    assert api.get("/incidents?status=open&limit=100").json["next_cursor"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=garbage", "cursor"),
        ("status=closed", "status"),
        ("updated_since=yesterday", "updated_since"),
    ],
)
def test_bad_list_parameters_are_422(api, query, field):
    response = api.get(f"/reports?{query}")
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_lists_belong_to_the_token_org(api, db):
    from tests.factories import ApiClient, org_with_users

    other = ApiClient(api.client, org_with_users().api_token)
    other.post("/reports", json={"title": "theirs"})
    assert api.get("/reports").json == {"items": [], "next_cursor": None}
