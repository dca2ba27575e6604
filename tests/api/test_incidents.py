"""The incidents API of the contract."""

import pytest

from tests.sql import recorded, shape

K8S = {
    "kind": "kubernetes",
    "title": "Crash loop in payments",
    "severity": "high",
    "cluster": "prod-eu",
    "namespace": "payments",
    "root_cause": "OOM",
    "affected_resources": ["deploy/api"],
    "remediation_steps": ["Raise the memory limit"],
    "external_id": "det-1",
}


def test_create_read_update(api):
    created = api.post("/incidents", json=K8S)
    assert created.status_code == 201
    incident = created.json
    assert incident["kind"] == "kubernetes" and incident["status"] == "open"
    assert incident["pagerduty"] == {
        "status": None,
        "incident_url": None,
        "priority": None,
        "urgency": None,
        "assignees": [],
    }
    updated = api.patch(f"/incidents/{incident['id']}", json={"status": "investigating", "root_cause": "Leak"})
    assert updated.status_code == 200 and updated.json["status"] == "investigating"
    kinds = [entry["kind"] for entry in api.get(f"/incidents/{incident['id']}").json["timeline"]]
    assert "incident.status" in kinds and "incident.root_cause" in kinds


def test_repeated_external_id_returns_the_existing_incident(api):
    first = api.post("/incidents", json=K8S).json
    again = api.post("/incidents", json={**K8S, "title": "Another title"})
    assert again.status_code == 200 and again.json["id"] == first["id"] and again.json["title"] == K8S["title"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({**K8S, "kind": "vm"}, "kind"),
        ({**K8S, "severity": "super-critical"}, "severity"),
        ({k: v for k, v in K8S.items() if k != "namespace"}, "namespace"),
        ({"kind": "cloud", "title": "S3 public", "severity": "low", "provider": "gcp", "resource_id": "b"}, "provider"),
        ({"kind": "cloud", "title": "S3 public", "severity": "low", "provider": "aws"}, "resource_id"),
        ({**K8S, "transient": "yes"}, "transient"),
        ({**K8S, "remediation_steps": [1, 2]}, "remediation_steps[0]"),
    ],
)
def test_invalid_incidents_are_422(api, body, field):
    response = api.post("/incidents", json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_patch_validation(api):
    incident_id = api.post("/incidents", json=K8S).json["id"]
    response = api.patch(f"/incidents/{incident_id}", json={"status": "closed"})
    assert response.status_code == 422 and "status" in response.json["error"]["fields"]
    assert api.patch("/incidents/424242", json={"status": "resolved"}).status_code == 404


def test_create_answers_from_what_it_wrote(api, db):
    """The hot path of every detector: one insert per table, each row read once, nothing read back after commit."""
    api.post("/incidents", json=K8S)  # the namespace is known from now on
    with recorded(db.engine) as sql:
        created = api.post("/incidents", json={**K8S, "external_id": "det-2"})
    statements = [shape(s) for s in sql]
    assert created.status_code == 201
    assert [entry["kind"] for entry in created.json["timeline"]] == ["incident.created", "pagerduty.not_paged"]
    writes = ["WITH incidents"] if db.engine.dialect.name == "postgresql" else ["INSERT incidents"]
    if db.engine.dialect.name == "sqlite":  # PostgreSQL writes all three in the one statement
        writes += ["INSERT timeline_entries", "INSERT deliveries"]
    assert [s for s in statements if s.startswith(("INSERT", "WITH"))] == writes
    assert not any(s in ("SELECT incidents", "SELECT timeline_entries") for s in statements), statements
    assert len(statements) <= 8, statements  # an org without a connection reads it once more, to say why


@pytest.mark.parametrize(
    "body, field",
    [
        ({"clusters": "prod"}, "clusters"),
        ({"clusters": [{"name": 5}]}, "clusters[0].name"),
        ({"clusters": [{"name": "prod", "namespaces": "web"}]}, "clusters[0].namespaces"),
        ({"clusters": [{"name": "prod", "namespaces": [1]}]}, "clusters[0].namespaces[0]"),
        ({"cloud_resources": [{"provider": "aws", "resource_id": "b"}]}, "cloud_resources[0].resource_type"),
        (
            {"cloud_resources": [{"provider": "aws", "resource_id": "b", "resource_type": "s3", "region": 1}]},
            "cloud_resources[0].region",
        ),
        ({"cloud_resources": [7]}, "cloud_resources[0]"),
    ],
)
def test_inventory_with_wrong_types_is_422(api, body, field):
    response = api.put("/inventory", json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.json
