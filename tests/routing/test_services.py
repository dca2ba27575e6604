"""Sync Services, configure, default, routes and precedence."""

import pytest

from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY
from webapp.errors import Conflict
from webapp.models import Incident, JobRun, Service
from webapp.routing import assignments, inventory, services
from webapp.routing.resolve import route_for_incident, route_for_vdp
from webapp.routing.sync import run_sync, sync_services_all


@pytest.fixture()
def many(pd_account):
    account = pd_account.state.accounts[PD_TOKEN]
    for n in range(230):
        pd_account.state.add_service(account, f"Team {n:03}")
    return account


def service(db, org, pd_id):
    return db.session.scalar(db.select(Service).filter_by(org_id=org.id, pd_id=pd_id))


def test_sync_reads_every_page_and_flags_removed(db, connected, many, pd_account):
    run = JobRun(org_id=connected.id, kind="sync_services")
    db.session.add(run)
    db.session.commit()
    assert "232 services" in run_sync(connected.id, run.id)
    assert db.session.get(JobRun, run.id).status == "done" and db.session.get(JobRun, run.id).progress == 232
    pd_account.state.remove_service("PPLAT01")
    assert "1 gone" in sync_services_all(connected.id)[0]
    assert service(db, connected, "PPLAT01").removed_at is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(Service)) == 232


def test_sync_errors_are_words_and_401_pauses(db, connected, pd_account):
    pd_account.state.add_fault("500", count=1, scope="rest")
    assert run_sync(connected.id).startswith("Sync failed")
    pd_account.state.add_fault("401", count=1, scope="rest")
    run_sync(connected.id)
    from webapp.health.badge import status_badge

    assert status_badge(connected.id)["state"] == "error"


def test_configure_reuses_or_creates_the_integration(db, connected, pd_account):
    run_sync(connected.id)
    vdp = services.configure_service(connected.id, service(db, connected, "PVDP001").id)
    assert vdp.integration_key == VDP_KEY
    plain_account = pd_account.state.accounts[PD_TOKEN]
    pd_account.state.add_service(plain_account, "Payments", "PPAY001")
    run_sync(connected.id)
    payments = services.configure_service(connected.id, service(db, connected, "PPAY001").id)
    assert len(payments.integration_key) == 32 and payments.integration_key in pd_account.state.key_to_service


def test_exactly_one_default(db, connected, pd_account):
    run_sync(connected.id)
    first = services.configure_service(connected.id, service(db, connected, "PVDP001").id)
    second = services.configure_service(connected.id, service(db, connected, "PPLAT01").id)
    services.set_default(connected.id, first.id)
    services.set_default(connected.id, second.id)
    assert [s.pd_id for s in db.session.scalars(db.select(Service).filter_by(is_default=True))] == ["PPLAT01"]
    services.disable_service(connected.id, second.id)
    with pytest.raises(Conflict):
        services.set_default(connected.id, second.id)


def test_precedence(db, connected, pd_account):
    run_sync(connected.id)
    vdp = services.configure_service(connected.id, service(db, connected, "PVDP001").id)
    platform = services.configure_service(connected.id, service(db, connected, "PPLAT01").id)
    k8s = Incident(
        org_id=connected.id, kind="kubernetes", title="t", severity="high", cluster="prod", namespace="payments"
    )
    cloud = Incident(
        org_id=connected.id, kind="cloud", title="t", severity="high", provider="aws", resource_id="bucket-1"
    )
    assert route_for_incident(k8s).routing_key is None  # runtime incidents never fall back to the VDP key
    services.set_default(connected.id, platform.id)
    assert route_for_incident(k8s).routing_key == DEFAULT_KEY
    namespace = inventory.ensure_namespace(connected.id, "prod", "payments")
    assignments.assign_namespace(connected.id, namespace.id, vdp.id)
    route = route_for_incident(k8s)
    assert route.routing_key == VDP_KEY and "Namespace prod/payments" in route.reason
    resource = inventory.ensure_resource(connected.id, "aws", "bucket-1", "s3_bucket")
    assignments.assign_resource(connected.id, resource.id, vdp.id)
    assert route_for_incident(cloud).routing_key == VDP_KEY
    services.disable_service(connected.id, vdp.id)
    assert route_for_incident(cloud).routing_key == DEFAULT_KEY
    with pytest.raises(Conflict):
        assignments.assign_namespace(connected.id, namespace.id, platform.id)


def test_vdp_routing_order(db, org, pd_account):
    from webapp.connection.services import connect_api_token

    connect_api_token(org.id, PD_TOKEN)
    assert route_for_vdp(org.id).routing_key is None
    run_sync(org.id)
    platform = services.configure_service(org.id, service(db, org, "PPLAT01").id)
    services.set_default(org.id, platform.id)
    assert route_for_vdp(org.id).routing_key == DEFAULT_KEY
    vdp = services.configure_service(org.id, service(db, org, "PVDP001").id)
    services.set_vdp(org.id, vdp.id)
    assert route_for_vdp(org.id).routing_key == VDP_KEY


def test_the_routing_key_method_sends_everything_to_its_key(db, org):
    from webapp.connection.services import connect_routing_key

    connect_routing_key(org.id, DEFAULT_KEY, "Security alerts")
    incident = Incident(org_id=org.id, kind="cloud", title="t", severity="low", provider="aws", resource_id="x")
    route = route_for_incident(incident)
    assert route.routing_key == DEFAULT_KEY and "Routing-key method" in route.reason
