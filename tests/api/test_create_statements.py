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


def test_a_routed_kubernetes_incident_takes_five_statements(api, org, pd_account, db):
    """Token with the org's settings and connection; the incident; its timeline line; the route with the inventory
    row; the delivery. Nothing is read twice, nothing read back."""
    _connect(org.id)
    _routed_namespace(org.id)
    body = {"cluster": "prod-eu", "namespace": "payments"}
    api.post("/incidents", json=_incident(0, **body))
    statements = _statements_of(db, api, "/incidents", _incident(1, **body))
    assert statements == [
        "SELECT api_tokens",
        "INSERT incidents",
        "INSERT timeline_entries",
        "SELECT namespaces",
        "INSERT deliveries",
    ]


def test_a_known_cloud_resource_is_read_once(api, org, pd_account, db):
    """The route's statement reads the resource row that the inventory then refreshes."""
    _connect(org.id)
    body = {"kind": "cloud", "provider": "aws", "resource_id": "bucket-1", "resource_type": "s3"}
    api.post("/incidents", json=_incident(0, **body))
    statements = _statements_of(db, api, "/incidents", _incident(1, **body))
    assert statements.count("SELECT cloud_resources") == 1, statements
    assert len(statements) <= 6, statements  # + the default service, which this org has not got


def test_a_new_namespace_still_joins_the_inventory(api, org, pd_account, db):
    from webapp.models import Namespace

    _connect(org.id)
    _routed_namespace(org.id)
    api.post("/incidents", json=_incident(0, cluster="prod-eu", namespace="payments"))
    assert api.post("/incidents", json=_incident(1, cluster="prod-eu", namespace="search")).status_code == 201
    assert sorted(db.session.scalars(db.select(Namespace.name))) == ["payments", "search"]


@pytest.mark.parametrize(
    "integration_key, routing",
    [("a" * 31 + "1", []), (None, ["SELECT pagerduty_services"])],
    ids=["vdp-key", "vdp-or-default-service"],
)
def test_a_report_takes_five_statements_and_one_to_find_its_service(api, org, pd_account, db, integration_key, routing):
    """Token (with settings and connection); the report with its deadline; who is on call; both timeline lines in
    one INSERT; [the VDP and default services in one read;] the delivery. No UPDATE of the new report."""
    _connect(org.id, integration_key)
    api.post("/reports", json={"title": "First"})
    statements = _statements_of(db, api, "/reports", {"title": "Open redirect", "severity": "high"})
    assert sorted(statements) == sorted(
        ["SELECT api_tokens", "INSERT reports", "SELECT oncall_shifts", "INSERT timeline_entries", *routing]
        + ["INSERT deliveries"]
    )


def test_a_new_report_answers_with_its_deadline_and_both_timeline_lines(api, org, pd_account, db):
    _connect(org.id)
    created = api.post("/reports", json={"title": "Open redirect", "severity": "critical"}).json
    read = api.get(f"/reports/{created['id']}").json
    assert created["sla_deadline"] == read["sla_deadline"] is not None
    assert [line["kind"] for line in read["timeline"]][:2] == ["report.submitted", "report.unassigned"]
