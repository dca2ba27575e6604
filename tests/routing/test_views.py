"""The routing tabs, the inventory API and settings as code."""

import json

from webapp.models import CloudResource, Namespace, NamespaceRoute, Service
from webapp.routing import services
from webapp.routing.sync import run_sync


def test_tabs_render_and_members_are_refused(admin_client, member_client, connected):
    for path in ("services", "namespaces", "resources", "preview"):
        assert admin_client.get(f"/settings/routing/{path}").status_code == 200
        assert member_client.get(f"/settings/routing/{path}").status_code == 403


def test_inventory_api_upserts_and_validates(api, db, org):
    body = {
        "clusters": [{"name": "prod", "namespaces": ["payments", "web"]}],
        "cloud_resources": [
            {"provider": "aws", "resource_id": "arn:aws:s3:::logs", "resource_type": "s3_bucket", "name": "logs"}
        ],
    }
    assert api.put("/inventory", json=body).status_code == 200
    assert api.put("/inventory", json=body).json["namespaces"] == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Namespace)) == 2
    bad = api.put("/inventory", json={"clusters": [{"name": ""}], "cloud_resources": [{"provider": "gcp"}]})
    assert bad.status_code == 422 and "clusters[0].name" in bad.json["error"]["fields"]


def test_incident_adds_unknown_namespace(api, db, org):
    api.post(
        "/incidents",
        json={"kind": "kubernetes", "title": "t", "severity": "low", "cluster": "edge", "namespace": "cdn"},
    )
    assert db.session.scalar(db.select(Namespace.name)) == "cdn"


def test_picker_search_and_assignment(htmx_client, db, connected, pd_account):
    run_sync(connected.id)
    vdp = services.configure_service(connected.id, db.session.scalar(db.select(Service.id).filter_by(pd_id="PVDP001")))
    from webapp.routing.inventory import ensure_resource

    ensure_resource(connected.id, "aws", "i-0abc", "ec2_instance", "web-1")
    db.session.commit()
    results = htmx_client.get("/settings/routing/resources/search?q=web").get_data(as_text=True)
    assert "i-0abc" in results
    resource_id = db.session.scalar(db.select(CloudResource.id))
    response = htmx_client.post("/settings/routing/resources", data={"resource_id": resource_id, "service_id": vdp.id})
    assert response.status_code == 200 and "Assignment saved." in response.headers["HX-Trigger"]
    preview = htmx_client.get("/settings/routing/preview?kind=cloud&provider=aws&resource_id=i-0abc")
    assert "Goes to Security VDP" in preview.get_data(as_text=True)


def test_settings_roundtrip_and_refusal(runner, db, connected, pd_account, tmp_path):
    run_sync(connected.id)
    from webapp.routing.inventory import ensure_namespace

    ensure_namespace(connected.id, "prod", "payments")
    db.session.commit()
    document = {
        "routing": {
            "default_service": "PPLAT01",
            "vdp_service": None,
            "namespaces": [{"cluster": "prod", "namespace": "payments", "service": "PVDP001"}],
            "cloud_resources": [],
        }
    }
    path = tmp_path / "routing.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["settings", "import", "--org", connected.slug, str(path)])
    assert result.exit_code == 0, result.output
    exported = json.loads(runner.invoke(args=["settings", "export", "--org", connected.slug]).output)
    assert exported["routing"] == document["routing"]
    assert db.session.scalar(db.select(Service).filter_by(pd_id="PVDP001")).integration_key
    bad = {
        "routing": {
            "default_service": "PNOPE00",
            "namespaces": [{"cluster": "x", "namespace": "y", "service": "PVDP001"}],
        }
    }
    path.write_text(json.dumps(bad))
    result = runner.invoke(args=["settings", "import", "--org", connected.slug, str(path)])
    assert result.exit_code != 0 and "PNOPE00" in result.output and "unknown namespace" in result.output
    assert db.session.scalar(db.select(Service.pd_id).filter_by(is_default=True)) == "PPLAT01"
    assert db.session.scalar(db.select(db.func.count()).select_from(NamespaceRoute)) == 1


def test_sync_through_the_worker(worker, htmx_client, db, connected, pd_account):
    from tests.conftest import wait_for
    from webapp.models import JobRun

    response = htmx_client.post("/settings/routing/services/sync")
    assert "sync_status" in response.get_data(as_text=True) or "services/sync/" in response.get_data(as_text=True)
    run = wait_for(lambda: (db.session.expire_all(), db.session.scalar(db.select(JobRun).filter_by(status="done")))[1])
    status = htmx_client.get(f"/settings/routing/services/sync/{run.id}")
    assert status.status_code == 286 and "servicesChanged" in status.headers["HX-Trigger"]


def test_rows_keep_their_place_and_each_configured_service_offers_a_test(htmx_client, db, connected, pd_account):
    import re

    from rq import Queue

    from webapp.queues import get_redis

    run_sync(connected.id)
    order = lambda page: re.findall(r'data-service="([^"]+)"', page)  # noqa: E731
    before = order(htmx_client.get("/settings/routing/services").get_data(as_text=True))
    platform = db.session.scalar(db.select(Service.id).filter_by(pd_id="PPLAT01"))
    page = htmx_client.post(f"/settings/routing/services/{platform}/configure").get_data(as_text=True)
    assert order(page) == before
    page = htmx_client.post(f"/settings/routing/services/{platform}/default").get_data(as_text=True)
    assert order(page) == before and "Send test to Platform" in page
    # the VDP key given at connect says where it comes from
    assert before[0] == "vdp-key" and "From the PagerDuty page" in page
    started = htmx_client.post(f"/settings/routing/services/{platform}/test").get_data(as_text=True)
    assert 'data-service-test="queued"' in started
    [job] = Queue("default", connection=get_redis()).jobs
    assert job.args[2] == platform
    vdp = db.session.scalar(db.select(Service.id).filter_by(pd_id="PVDP001"))
    refused = htmx_client.post(f"/settings/routing/services/{vdp}/test").get_data(as_text=True)
    assert "Configure this service before sending it a test event." in refused


def test_send_test_to_a_service_reaches_its_key(worker, htmx_client, db, connected, pd_account):
    from tests.conftest import DEFAULT_KEY, wait_for
    from webapp.models import JobRun

    run_sync(connected.id)
    platform = services.configure_service(
        connected.id, db.session.scalar(db.select(Service.id).filter_by(pd_id="PPLAT01"))
    )
    db.session.commit()
    started = htmx_client.post(f"/settings/routing/services/{platform.id}/test").get_data(as_text=True)
    assert "every 1s" in started
    run = wait_for(lambda: db.session.scalar(db.select(JobRun).filter_by(kind="test_connection", status="done")))
    final = htmx_client.get(f"/settings/routing/services/{platform.id}/test/{run.id}")
    assert final.status_code == 286 and "triggered and resolved on Platform" in final.get_data(as_text=True)
    sent = pd_account.state.received_events(routing_key=DEFAULT_KEY)
    assert [event["event_action"] for event in sent] == ["trigger", "resolve"]
