"""The reports API of the contract."""

import pytest


def test_create_and_read_report(api, org):
    response = api.post(
        "/reports",
        json={"title": "XSS in login", "description": "PoC", "severity": "high", "researcher_email": "R@Example.com"},
    )
    assert response.status_code == 201
    body = response.json
    assert body["title"] == "XSS in login" and body["severity"] == "high" and body["status"] == "new"
    assert body["sla_state"] == "ok" and body["sla_deadline"]
    assert body["pagerduty"] == {
        "status": None,
        "incident_url": None,
        "priority": None,
        "urgency": None,
        "assignees": [],
    }
    assert body["timeline"][0]["kind"] == "report.submitted"
    assert set(body) == {
        "id",
        "title",
        "severity",
        "status",
        "submitted_at",
        "sla_deadline",
        "sla_state",
        "assignee_email",
        "pagerduty",
        "timeline",
    }
    assert api.get(f"/reports/{body['id']}").json == body  # the contract: GET /reports/<id> carries submitted_at


def test_assessment_and_status(api):
    report_id = api.post("/reports", json={"title": "SSRF"}).json["id"]
    assessed = api.post(f"/reports/{report_id}/assessment", json={"severity": "critical"}).json
    assert assessed["severity"] == "critical"
    assert any("none → critical" in entry["message"] for entry in assessed["timeline"])
    closed = api.post(f"/reports/{report_id}/status", json={"status": "resolved"}).json
    assert closed["status"] == "resolved"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x", "severity": "urgent"}, "severity"),
        ({"title": "x" * 301}, "title"),
        ({"title": "x", "researcher_email": "nope"}, "researcher_email"),
    ],
)
def test_invalid_reports_are_422_with_fields(api, body, field):
    response = api.post("/reports", json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_bad_bodies_are_400(api):
    assert api.post("/reports", data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.post("/reports", json=["a list"]).status_code == 400
    assert (
        api.client.post("/api/v1/reports", data="title=x", headers={"Authorization": f"Bearer {api.token}"}).status_code
        == 400
    )


def test_other_orgs_report_is_404(api, db):
    from tests.factories import ApiClient, org_with_users

    other = org_with_users()
    report_id = ApiClient(api.client, other.api_token).post("/reports", json={"title": "theirs"}).json["id"]
    assert api.get(f"/reports/{report_id}").status_code == 404
    assert api.post(f"/reports/{report_id}/status", json={"status": "resolved"}).status_code == 404
    assert api.get("/reports/999999").json["error"]["code"] == "not_found"


def test_oversized_body_is_413(api):
    response = api.post("/reports", json={"title": "x", "description": "y" * (1024 * 1024 + 10)})
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"


def test_create_answers_from_what_it_wrote(api, db):
    """A new report's answer (timeline included) is built from what was written, not read back after the commit."""
    from tests.sql import recorded, shape

    with recorded(db.engine) as sql:
        created = api.post("/reports", json={"title": "Open redirect"})
    assert created.status_code == 201
    assert [entry["kind"] for entry in created.json["timeline"]][0] == "report.submitted"
    assert not any(shape(s) in ("SELECT reports", "SELECT timeline_entries") for s in sql), [shape(s) for s in sql]


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"title": "a\\u0000b"}', "title"),
        ('{"title": "x", "description": "\\ud800"}', "description"),
        ('{"title": "x", "researcher_email": "a@b\\u0000.com"}', "researcher_email"),
        ('{"title": true}', "title"),
    ],
)
def test_nul_lone_surrogates_and_wrong_types_are_422(api, raw, field):
    response = api.post("/reports", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_query_strings_with_nul_are_422(api):
    response = api.get("/incidents?external_id=a%00b")
    assert response.status_code == 422 and "external_id" in response.json["error"]["fields"]
