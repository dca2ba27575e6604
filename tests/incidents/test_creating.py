"""The Core create path (webapp/incidents/creating.py) writes the rows and answers what the ORM path did, in every
routing case; on SQLite and on PostgreSQL (TEST_DATABASE_URL), through the API and through the service."""

import json

import pytest

from tests.conftest import DEFAULT_KEY

OTHER_KEY = "b" * 31 + "2"


def orm_create(org_id, fields, actor):
    """The ORM path as it was before issue 21 (the reference): one insert, the unit of work for the rest."""
    from webapp.alerts import events
    from webapp.extensions import db
    from webapp.incidents.services import incident_json
    from webapp.models import Incident
    from webapp.routing.inventory import record_from_incident
    from webapp.timeline import add_entry, start_timeline
    from webapp.unit_of_work import insert_or_nothing, kept_loaded

    with kept_loaded():
        statement = insert_or_nothing(Incident, ("org_id", "external_id")).values(org_id=org_id, **fields)
        incident = db.session.scalar(statement.returning(Incident))
        start_timeline(incident)
        where = (
            f"{incident.cluster}/{incident.namespace}"
            if incident.kind == "kubernetes"
            else f"{incident.provider} {incident.resource_type or 'resource'} {incident.resource_id}"
        )
        message = f"{incident.kind.capitalize()} incident detected in {where} (severity {incident.severity})."
        add_entry(incident, "incident.created", message, actor)
        events.on_incident_created(incident)
        record_from_incident(incident)
        db.session.commit()
        return incident.id, incident_json(incident)


def core_create(org_id, fields, actor):
    from webapp.incidents.services import create_answer

    return create_answer(org_id, fields, actor)


def _service(org_id, name, key, **fields):
    from webapp.extensions import db
    from webapp.models import Service

    service = Service(org_id=org_id, pd_id=f"P{name.upper()[:6]}", name=name, integration_key=key, **fields)
    db.session.add(service)
    db.session.flush()
    return service


def _route_namespace(org_id, service, namespace="payments"):
    from webapp.extensions import db
    from webapp.models import Cluster, Namespace, NamespaceRoute

    found = Namespace(org_id=org_id, cluster=Cluster(org_id=org_id, name="prod-eu"), name=namespace)
    db.session.add(found)
    db.session.flush()
    if service is not None:
        db.session.add(NamespaceRoute(org_id=org_id, namespace_id=found.id, service_id=service.id))


def _route_resource(org_id, service):
    from webapp.extensions import db
    from webapp.models import CloudResource, ResourceRoute

    resource = CloudResource(org_id=org_id, provider="aws", resource_id="bucket-1", resource_type="s3")
    db.session.add(resource)
    db.session.flush()
    db.session.add(ResourceRoute(org_id=org_id, cloud_resource_id=resource.id, service_id=service.id))


def _connect(org_id, state="connected", method="api_token", **fields):
    from webapp.extensions import db
    from webapp.models import Connection

    db.session.add(Connection(org_id=org_id, method=method, state=state, api_token="u+token", **fields))


def _settings(org_id, **values):
    from webapp.orgs.services import settings_for

    settings = settings_for(org_id)
    for name, value in values.items():
        setattr(settings, name, value)


def routed(org_id):
    _connect(org_id)
    _route_namespace(org_id, _service(org_id, "Platform", DEFAULT_KEY, enabled=True))


def unrouted_to_default(org_id):
    _connect(org_id)
    _service(org_id, "Default", DEFAULT_KEY, enabled=True, is_default=True)
    _route_namespace(org_id, None)


def unknown_namespace_no_default(org_id):
    _connect(org_id, integration_key=OTHER_KEY)


def disabled_service_to_default(org_id):
    _connect(org_id)
    _service(org_id, "Default", DEFAULT_KEY, enabled=True, is_default=True)
    _route_namespace(org_id, _service(org_id, "Off", OTHER_KEY, enabled=False))


def broken_service_to_vdp_key(org_id):
    from webapp.models.types import utcnow

    _connect(org_id, integration_key=OTHER_KEY)
    _route_namespace(org_id, _service(org_id, "Broken", DEFAULT_KEY, enabled=True, broken_at=utcnow()))


def paused(org_id):
    _connect(org_id, state="error")
    _route_namespace(org_id, _service(org_id, "Platform", DEFAULT_KEY, enabled=True))


def disconnected(org_id):
    _connect(org_id, state="disconnected")


def not_connected(org_id):
    pass


def routing_key_method(org_id):
    _connect(org_id, method="routing_key", routing_key=OTHER_KEY, service_name="Legacy")


def below_minimum_severity(org_id):
    routed(org_id)
    _settings(org_id, incident_notifications={"min_severity": "critical"})


def mapped_severity(org_id):
    routed(org_id)
    _settings(org_id, severity_mapping={"high": "critical"})


def cloud_routed(org_id):
    _connect(org_id)
    _route_resource(org_id, _service(org_id, "Storage", DEFAULT_KEY, enabled=True))


SETUPS = [
    routed,
    unrouted_to_default,
    unknown_namespace_no_default,
    disabled_service_to_default,
    broken_service_to_vdp_key,
    paused,
    disconnected,
    not_connected,
    routing_key_method,
    below_minimum_severity,
    mapped_severity,
    cloud_routed,
]
K8S = {"kind": "kubernetes", "title": "Crash loop", "severity": "high", "transient": False, "cluster": "prod-eu"}
CLOUD = {"kind": "cloud", "title": "Public bucket", "severity": "high", "transient": False, "provider": "aws"}


def _fields(setup, n):
    if setup is cloud_routed:
        return {**CLOUD, "resource_id": "bucket-1", "resource_type": "s3", "external_id": f"x-{n}"}
    return {**K8S, "namespace": "payments", "root_cause": "OOM", "remediation_steps": ["more"], "external_id": f"x-{n}"}


def _written(db, incident_id):
    """The rows one create wrote, without what differs between two creates (ids, times, the id in the payload)."""
    from webapp.models import Delivery, Incident, TimelineEntry

    incident = db.session.get(Incident, incident_id)
    skip = {"id", "external_id", "created_at", "updated_at", "next_attempt_at", "subject_id", "dedup_key", "payload"}
    deliveries = db.session.scalars(db.select(Delivery).filter_by(subject_id=incident_id)).all()
    lines = db.session.scalars(db.select(TimelineEntry).filter_by(incident_id=incident_id).order_by("id")).all()
    return {
        "incident": {c.key: getattr(incident, c.key) for c in Incident.__table__.c if c.key not in skip},
        "deliveries": [
            {
                **{c.key: getattr(d, c.key) for c in Delivery.__table__.c if c.key not in skip},
                "due": d.next_attempt_at is not None,
                "dedup_key": d.dedup_key == f"incident-{incident_id}",
                "payload": _without_id(d.payload, incident_id),
            }
            for d in deliveries
        ],
        "timeline": [(line.kind, line.message, line.actor, line.org_id) for line in lines],
    }


def _without_id(payload, incident_id):
    text = json.dumps(payload)
    for named in (f'"incident_id": {incident_id},', f"/incidents/{incident_id}", f"Incident #{incident_id} "):
        text = text.replace(named, named.replace(str(incident_id), "ID"))
    return text


def _answer(answer, incident_id):
    skip = ("id", "external_id", "created_at")
    return {
        **{name: value for name, value in answer.items() if name not in skip},
        "timeline": [(line["kind"], line["message"]) for line in answer["timeline"]],
    } | {"same_id": answer["id"] == incident_id}


@pytest.mark.parametrize("setup", SETUPS, ids=[setup.__name__ for setup in SETUPS])
def test_the_core_path_writes_and_answers_what_the_orm_path_did(db, org, setup):
    from webapp.models import CloudResource, Namespace

    setup(org.id)
    db.session.commit()
    old_id, old_answer = orm_create(org.id, _fields(setup, 1), "api")
    inventory = [db.session.scalar(db.select(db.func.count(model.id))) for model in (Namespace, CloudResource)]
    new_id, new_answer = core_create(org.id, _fields(setup, 2), "api")
    assert _written(db, new_id) == _written(db, old_id)
    assert _answer(new_answer, new_id) == _answer(old_answer, old_id)
    assert [db.session.scalar(db.select(db.func.count(model.id))) for model in (Namespace, CloudResource)] == inventory


def test_a_new_namespace_or_resource_joins_the_inventory(db, org):
    from webapp.models import CloudResource, Namespace

    routed(org.id)
    db.session.commit()
    core_create(org.id, {**K8S, "namespace": "search", "external_id": "n-1"}, "api")
    core_create(org.id, {**CLOUD, "resource_id": "vm-1", "resource_type": "ec2", "external_id": "n-2"}, "api")
    core_create(org.id, {**CLOUD, "resource_id": "vm-1", "resource_type": "vm", "external_id": "n-3"}, "api")
    assert sorted(db.session.scalars(db.select(Namespace.name))) == ["payments", "search"]
    assert [(r.resource_id, r.resource_type) for r in db.session.scalars(db.select(CloudResource))] == [("vm-1", "vm")]


def test_a_repeated_external_id_answers_none_and_writes_nothing(db, org):
    from webapp.models import Delivery, Incident, TimelineEntry

    routed(org.id)
    db.session.commit()
    first_id, _ = core_create(org.id, _fields(routed, 1), "api")
    assert core_create(org.id, {**_fields(routed, 1), "title": "Again"}, "api") == (None, None)
    counts = [db.session.scalar(db.select(db.func.count(model.id))) for model in (Incident, TimelineEntry, Delivery)]
    assert counts == [1, 1, 1] and db.session.get(Incident, first_id).title == "Crash loop"


def test_the_route_read_with_the_token_serves_only_its_own_incident(db, org):
    """Rows read for another incident (a body that validation changed) are not used: the route is read again."""
    from tests.sql import recorded, shape
    from webapp.incidents import creating
    from webapp.incidents.route_sql import read_route

    routed(org.id)
    db.session.commit()
    other = read_route(org.id, ("kubernetes", "prod-eu", "elsewhere", None, None))
    with recorded(db.engine) as sql:
        _, answer = creating.create(org.id, _fields(routed, 1), "api", other)
    assert "Paging Platform" in json.dumps(answer)
    assert shape(sql[0]) == "SELECT pagerduty_services"  # read again


@pytest.mark.parametrize("setup", SETUPS, ids=[setup.__name__ for setup in SETUPS])
def test_the_201_is_what_reading_the_incident_answers(api, db, org, setup):
    """And the org, its settings and connection come with the token, whole enough: nothing is read again."""
    from tests.sql import recorded, shape

    setup(org.id)
    db.session.commit()
    api.post("/incidents", json=_fields(setup, 0))  # the token's last use is noted; the namespace is known
    with recorded(db.engine) as sql:
        created = api.post("/incidents", json=_fields(setup, 1))
    assert created.status_code == 201
    shapes = [shape(s) for s in sql]
    if setup is not_connected:  # no connection row: it is looked for again, to say why nothing is paged
        shapes = [s for s in shapes if s != "SELECT pagerduty_connections"]
    writes = (
        ["WITH incidents"]
        if db.engine.dialect.name == "postgresql"
        else ["INSERT incidents", "INSERT timeline_entries"]
    )
    if db.engine.dialect.name == "sqlite" and setup is not below_minimum_severity:
        writes.append("INSERT deliveries")
    assert shapes == ["SELECT api_tokens", *writes]
    assert created.json == api.get(f"/incidents/{created.json['id']}").json
