"""End to end with a real worker and the sandbox: events arrive, merge, resolve in order, retry, pause, resume."""

from tests.api.test_incidents import K8S
from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY, wait_for
from webapp.models import Delivery


def delivered(db, **filters):
    db.session.expire_all()
    return db.session.scalars(db.select(Delivery).filter_by(status="delivered", **filters)).all()


def test_incident_reaches_the_default_service(worker, api, pd, default_service):
    incident = api.post("/incidents", json=K8S).json
    events = wait_for(lambda: pd.state.received_events(dedup_key=f"incident-{incident['id']}"))
    event = events[0]["body"]
    assert events[0]["routing_key"] == DEFAULT_KEY
    assert event["event_action"] == "trigger" and event["payload"]["severity"] == "error"
    details = event["payload"]["custom_details"]
    assert details["root_cause"] == "OOM" and details["remediation_steps"] == ["Raise the memory limit"]
    assert event["links"][0]["href"].endswith(f"/incidents/{incident['id']}")


def test_report_goes_to_the_vdp_key_and_repeats_merge(worker, api, pd, connected, db):
    report_id = api.post("/reports", json={"title": "IDOR", "description": "secret PoC"}).json["id"]
    api.post(f"/reports/{report_id}/assessment", json={"severity": "critical"})
    wait_for(lambda: len(pd.state.received_events(dedup_key=f"report-{report_id}")) == 2)
    events = pd.state.received_events(dedup_key=f"report-{report_id}")
    assert {e["routing_key"] for e in events} == {VDP_KEY}
    assert [e["body"]["payload"]["severity"] for e in events] == ["info", "critical"]
    assert "description" not in events[0]["body"]["payload"]["custom_details"]
    assert len(pd.state.incidents) == 1
    assert api.get(f"/reports/{report_id}").json["pagerduty"]["status"] == "triggered"


def test_resolve_follows_trigger_with_the_same_key(worker, api, pd, default_service, db):
    incident_id = api.post("/incidents", json=K8S).json["id"]
    api.patch(f"/incidents/{incident_id}", json={"status": "resolved"})
    wait_for(lambda: len(pd.state.received_events(dedup_key=f"incident-{incident_id}")) == 2)
    actions = [
        (e["event_action"], e["routing_key"]) for e in pd.state.received_events(dedup_key=f"incident-{incident_id}")
    ]
    assert actions == [("trigger", DEFAULT_KEY), ("resolve", DEFAULT_KEY)]
    assert pd.state.incident_by_key(f"incident-{incident_id}")["status"] == "resolved"


def test_5xx_and_429_are_retried_until_delivered(worker, api, pd, connected, db):
    pd.state.add_fault("500", count=1, scope="events")
    pd.state.add_fault("429", count=1, retry_after=1, scope="events")
    report_id = api.post("/reports", json={"title": "Retry me"}).json["id"]
    wait_for(lambda: pd.state.received_events(dedup_key=f"report-{report_id}"), timeout=20)
    delivery = wait_for(lambda: delivered(db, dedup_key=f"report-{report_id}"))[0]
    assert delivery.attempts == 3


def test_refused_credentials_pause_and_reconnect_resumes(worker, api, pd, connected, db):
    from webapp.connection.services import connect_api_token
    from webapp.health.badge import status_badge

    pd.state.add_fault("401", count=1, scope="events")
    report_id = api.post("/reports", json={"title": "Paused"}).json["id"]
    wait_for(lambda: status_badge(connected.id)["state"] == "error")
    db.session.expire_all()
    assert db.session.scalar(db.select(Delivery.status)) == "paused"
    assert pd.state.received_events() == []
    connect_api_token(connected.id, PD_TOKEN, VDP_KEY)
    wait_for(lambda: pd.state.received_events(dedup_key=f"report-{report_id}"))


def test_disconnect_cancels_pending(api, connected, db):
    from webapp.connection.services import disconnect

    api.post("/reports", json={"title": "Never sent"})
    disconnect(connected.id)
    db.session.expire_all()
    assert db.session.scalar(db.select(Delivery.status)) == "cancelled"


def test_no_route_is_recorded(api, org, pd_account, db):
    from webapp.connection.services import connect_api_token

    connect_api_token(org.id, PD_TOKEN)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    delivery = db.session.scalar(db.select(Delivery).filter_by(dedup_key=f"incident-{incident_id}"))
    assert delivery.status == "no_route" and "no default service" in delivery.route_reason


def test_redis_down_or_a_worker_killed_mid_send_loses_nothing(api, pd, connected, db, monkeypatch, request):
    from datetime import timedelta

    import webapp.queues
    from webapp.alerts import outbox
    from webapp.models.types import utcnow

    monkeypatch.setattr(webapp.queues, "wake_senders", lambda *args, **kwargs: None)  # Redis unreachable at commit
    report_id = api.post("/reports", json={"title": "Survives"}).json["id"]
    monkeypatch.undo()
    delivery = db.session.scalar(db.select(Delivery).filter_by(dedup_key=f"report-{report_id}"))
    delivery.lease_token, delivery.lease_until = "dead-worker", utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert outbox.sweep() == ["1 deliveries due (1 of them left by a sender that stopped), senders woken"]
    request.getfixturevalue("worker")
    wait_for(lambda: delivered(db, dedup_key=f"report-{report_id}"))
    assert len(pd.state.received_events(dedup_key=f"report-{report_id}")) == 1


def test_two_claims_of_one_delivery_send_once(api, connected, db):
    from tests.sending import claimed_ids

    report_id = api.post("/reports", json={"title": "Once"}).json["id"]
    delivery_id = db.session.scalar(db.select(Delivery.id).filter_by(dedup_key=f"report-{report_id}"))
    assert claimed_ids(10, 10, "sender-a") == [delivery_id]
    assert claimed_ids(10, 10, "sender-b") == []
