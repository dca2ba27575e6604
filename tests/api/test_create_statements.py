"""The SQL each API create runs, statement by statement: the detectors' hot path must not creep back (issue 21)."""

import pytest

from tests.conftest import DEFAULT_KEY, PD_TOKEN
from tests.sql import recorded, shape


def _routed_namespace(org_id, cluster="prod-eu", namespace="payments"):
    """An enabled service that the namespace is routed to (the detector storm's set-up)."""
    from webapp.extensions import db
    from webapp.models import Cluster, Namespace, NamespaceRoute, Service

    service = Service(org_id=org_id, pd_id="PPLAT01", name="Platform", enabled=True, integration_key=DEFAULT_KEY)
    found = Namespace(org_id=org_id, cluster=Cluster(org_id=org_id, name=cluster), name=namespace)
    db.session.add_all([service, found])
    db.session.flush()
    db.session.add(NamespaceRoute(org_id=org_id, namespace_id=found.id, service_id=service.id))
    db.session.commit()


def _connect(org_id, integration_key=None):
    from webapp.connection.services import connect_api_token

    connect_api_token(org_id, PD_TOKEN, integration_key)


def _statements_of(db, api, path, body):
    """The shapes of the statements one POST runs (after a first one: the token's last use is noted once a minute)."""
    with recorded(db.engine) as sql:
        response = api.post(path, json=body)
    assert response.status_code == 201, response.json
    return [shape(s) for s in sql]


def _incident(n, **fields):
    return {"kind": "kubernetes", "title": f"Crash loop {n}", "severity": "high", "external_id": f"det-{n}", **fields}


# The writes of one create: on PostgreSQL one statement (data-modifying CTEs), on SQLite one INSERT per table.
CREATE_WRITES = {
    "postgresql": ["WITH incidents"],
    "sqlite": ["INSERT incidents", "INSERT timeline_entries", "INSERT deliveries"],
}


def test_a_routed_kubernetes_incident_takes_two_statements_on_postgresql(api, org, pd_account, db):
    """Token with the org's settings and connection, the route with the inventory row, the default service and (on
    PostgreSQL) the new id; the incident with its timeline line and its delivery. Nothing is read twice, nothing read
    back."""
    _connect(org.id)
    _routed_namespace(org.id)
    body = {"cluster": "prod-eu", "namespace": "payments"}
    api.post("/incidents", json=_incident(0, **body))
    with recorded(db.engine) as sql:
        assert api.post("/incidents", json=_incident(1, **body)).status_code == 201
    assert [shape(s) for s in sql] == ["SELECT api_tokens", *CREATE_WRITES[db.engine.dialect.name]]
    read = sql[0]
    assert "namespaces" in read and "is_default" in read  # the assignment and the default service, with the token


def test_a_repeated_external_id_writes_nothing(api, org, pd_account, db):
    """200 with the incident already sent; its timeline and deliveries are as they were."""
    from webapp.models import Delivery, Incident, TimelineEntry

    _connect(org.id)
    _routed_namespace(org.id)
    body = _incident(0, cluster="prod-eu", namespace="payments")
    first = api.post("/incidents", json=body)
    again = api.post("/incidents", json={**body, "title": "Something else"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == api.get(f"/incidents/{first.json['id']}").json
    assert again.json["title"] == "Crash loop 0"
    counts = [db.session.scalar(db.select(db.func.count(model.id))) for model in (Incident, TimelineEntry, Delivery)]
    assert counts == [1, 1, 1]


def test_a_known_cloud_resource_is_read_once(api, org, pd_account, db):
    """The route's statement reads the resource row that the inventory then refreshes."""
    _connect(org.id)
    body = {"kind": "cloud", "provider": "aws", "resource_id": "bucket-1", "resource_type": "s3"}
    api.post("/incidents", json=_incident(0, **body))
    statements = _statements_of(db, api, "/incidents", _incident(1, **body))
    assert statements == ["SELECT api_tokens", *CREATE_WRITES[db.engine.dialect.name]]


def test_a_new_namespace_still_joins_the_inventory(api, org, pd_account, db):
    from webapp.models import Namespace

    _connect(org.id)
    _routed_namespace(org.id)
    api.post("/incidents", json=_incident(0, cluster="prod-eu", namespace="payments"))
    assert api.post("/incidents", json=_incident(1, cluster="prod-eu", namespace="search")).status_code == 201
    assert sorted(db.session.scalars(db.select(Namespace.name))) == ["payments", "search"]


# A report's writes: on PostgreSQL one statement (data-modifying CTEs), on SQLite one INSERT per table.
REPORT_WRITES = {
    "postgresql": ["WITH reports"],
    "sqlite": ["INSERT reports", "INSERT timeline_entries", "INSERT deliveries"],
}


@pytest.mark.parametrize("integration_key", ["a" * 31 + "1", None], ids=["vdp-key", "vdp-or-default-service"])
def test_a_report_takes_two_statements_on_postgresql(api, org, pd_account, db, integration_key):
    """Token (with settings and connection, who is on call, the VDP and default services and on PostgreSQL the new
    id); the report with its deadline, both timeline lines and its delivery. Nothing read twice, nothing read back."""
    _connect(org.id, integration_key)
    api.post("/reports", json={"title": "First"})
    with recorded(db.engine) as sql:
        assert api.post("/reports", json={"title": "Open redirect", "severity": "high"}).status_code == 201
    assert [shape(s) for s in sql] == ["SELECT api_tokens", *REPORT_WRITES[db.engine.dialect.name]]
    assert "oncall_shifts" in sql[0] and "is_vdp" in sql[0] and "is_default" in sql[0]


def test_a_new_report_answers_with_its_deadline_and_both_timeline_lines(api, org, pd_account, db):
    _connect(org.id)
    created = api.post("/reports", json={"title": "Open redirect", "severity": "critical"}).json
    read = api.get(f"/reports/{created['id']}").json
    assert created["sla_deadline"] == read["sla_deadline"] is not None
    assert [line["kind"] for line in read["timeline"]][:2] == ["report.submitted", "report.unassigned"]
