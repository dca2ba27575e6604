"""The API's own description: valid OpenAPI 3.1, complete, and what the running API answers (schemathesis)."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

# More examples locally or in a nightly job: PAGERBRIDGE_FUZZ_EXAMPLES=200.
EXAMPLES = int(os.environ.get("PAGERBRIDGE_FUZZ_EXAMPLES", "8"))
ENDPOINTS = {
    ("get", "/api/v1/"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports"),
    ("get", "/api/v1/reports/{report_id}"),
    ("post", "/api/v1/reports/{report_id}/assessment"),
    ("post", "/api/v1/reports/{report_id}/status"),
    ("post", "/api/v1/incidents"),
    ("get", "/api/v1/incidents"),
    ("get", "/api/v1/incidents/{incident_id}"),
    ("patch", "/api/v1/incidents/{incident_id}"),
    ("put", "/api/v1/inventory"),
    ("get", "/api/v1/deliveries"),
    ("get", "/api/v1/analytics"),
}


def test_description_is_valid_openapi_and_lists_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    listed = {(method, path) for path, operations in spec["paths"].items() for method in operations}
    assert listed == ENDPOINTS
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for method, path in ENDPOINTS:
        operation = spec["paths"][path][method]
        if method in ("post", "put", "patch"):
            assert operation["requestBody"]["content"]["application/json"]["schema"], (method, path)
        if path != "/api/v1/openapi.json":
            assert operation["responses"]["401"] == {"$ref": "#/components/responses/Error"}


def test_lists_document_their_filters(client):
    spec = client.get("/api/v1/openapi.json").json
    names = {p["name"] for p in spec["paths"]["/api/v1/incidents"]["get"]["parameters"]}
    assert names == {"limit", "cursor", "status", "severity", "updated_since", "kind", "external_id"}


def test_docs_page_uses_vendored_swagger_ui(client):
    page = client.get("/api/docs")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "vendor/swagger-ui-bundle.js" in body and "/api/v1/openapi.json" in body
    assert "<script>" not in body and "style=" not in body


def _operations(app):
    import schemathesis

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_api_answers_as_it_describes_itself(app, api, mode):
    """Generated requests to every operation: no 5xx, every answer matches its declared schema."""
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    api.post("/reports", json={"title": "seed"})
    api.post(
        "/incidents", json={"kind": "cloud", "title": "seed", "severity": "low", "provider": "aws", "resource_id": "b"}
    )
    headers = {"Authorization": f"Bearer {api.token}"}
    for operation in _operations(app):

        @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        check()
