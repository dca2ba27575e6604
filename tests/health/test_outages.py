"""Finding 1 and 2 of issue 25: PagerDuty failing is a finding that names PagerDuty (badge, status, metrics), waiting
on PagerDuty is not blamed on the worker, and PagerDuty answering again makes every held delivery due at once."""

from datetime import timedelta

import pytest

from tests import factories
from tests.conftest import DEFAULT_KEY
from tests.sending import send_now
from webapp import liveness
from webapp.connection.services import status_lines  # first: the badge imports the connection package
from webapp.health.badge import status_badge
from webapp.models import Delivery
from webapp.models.types import utcnow
from webapp.pagerduty import breaker

K8S = {"kind": "kubernetes", "title": "Pod crash-looping", "severity": "high", "cluster": "prod", "namespace": "api"}


@pytest.fixture(autouse=True)
def fresh_breaker():
    breaker.reset()
    yield
    breaker.reset()


@pytest.fixture()
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "outage-metrics-token")
    return "outage-metrics-token"


@pytest.fixture()
def routed(connected):
    factories.default_service(connected.id, DEFAULT_KEY)
    return connected


def send_all(db):
    for delivery_id in db.session.scalars(db.select(Delivery.id).order_by(Delivery.id)).all():
        send_now(delivery_id)
    db.session.expire_all()


def codes(org_id):
    return [f.code for f in status_badge(org_id)["findings"]]


def held(db):
    db.session.expire_all()
    return db.session.scalars(db.select(Delivery).filter_by(status="retrying")).all()


def test_pagerduty_answering_500_is_a_finding_that_names_it_and_clears_on_recovery(
    db, api, pd, routed, app, admin_client
):
    from webapp.models import Org

    pd.state.add_fault("500", scope="events")  # every event, until cleared
    for n in range(3):
        api.post("/incidents", json={**K8S, "external_id": f"pd-500-{n}"})
    liveness.beat(liveness.Kind.SENDER, "sender-a")
    send_all(db)
    assert len(held(db)) == 3
    badge = status_badge(routed.id)
    assert badge["state"] == "attention" and codes(routed.id) == ["pagerduty_failing"]  # not "no worker"
    message = badge["findings"][0].message
    assert (
        message.startswith("PagerDuty is answering 500 to events since ")
        and "; 3 alerts waiting, next try at " in message
    )
    lines = status_lines(db.session.get(Org, routed.id))
    assert f"warning: {message}" in lines and "warnings: none" not in lines
    banner = admin_client.get("/settings/deliveries/").get_data(as_text=True)
    assert "PagerDuty needs attention: PagerDuty is answering 500 to events since" in banner
    operations = admin_client.get("/settings/operations/").get_data(as_text=True)
    assert 'data-outage="pagerduty"' in operations and "3 deliveries wait on it" in operations

    # A long backoff, as after many failures: PagerDuty answering again brings them back at once.
    db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() + timedelta(minutes=15)))
    db.session.commit()
    pd.state.clear_faults()
    breaker._probe(app, [app.config["PAGERDUTY_EVENTS_URL"] + "/v2/enqueue"])  # the light probe: a 400, so it is up
    assert all(d.next_attempt_at <= utcnow() for d in held(db))
    assert breaker.outages() == {}
    send_all(db)
    assert held(db) == [] and len(pd.state.received_events()) == 3
    assert status_badge(routed.id)["state"] == "connected"


def test_a_successful_send_releases_every_delivery_held_by_pagerduty(db, api, pd, routed, app):
    pd.state.add_fault("500", count=2, scope="events")
    api.post("/incidents", json={**K8S, "external_id": "held-1"})
    api.post("/incidents", json={**K8S, "external_id": "held-2"})
    send_all(db)
    db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() + timedelta(minutes=15)))
    db.session.commit()
    api.post("/incidents", json={**K8S, "external_id": "goes-through"})
    fresh = db.session.scalar(db.select(Delivery.id).filter_by(status="pending"))
    assert send_now(fresh) == "delivered"
    assert [d.next_attempt_at <= utcnow() for d in held(db)] == [True, True]


def test_a_note_whose_answer_never_came_keeps_its_wait_when_pagerduty_answers_again(db, api, pd, routed, monkeypatch):
    """Found by bench/faults.py (PagerDuty hanging): the recovery made such a note due at once; it was looked for
    before PagerDuty had carried out the call it still held, not found, and posted twice."""
    from webapp.pagerduty import client

    incident_id = api.post("/incidents", json={**K8S, "external_id": "noted"}).json["id"]
    send_all(db)
    api.patch(f"/incidents/{incident_id}", json={"root_cause": "Disk full"})
    note_id = db.session.scalar(db.select(Delivery.id).filter_by(action="note"))
    real = client.rest_response

    def held_call(credentials, method, path, **kwargs):
        if method == "POST":  # PagerDuty holds the call past the client's timeout (and may still carry it out)
            breaker.answered(client.api_base() + path, "timeout")
            raise client.PagerDutyError("PagerDuty did not answer in time", status=None)
        return real(credentials, method, path, **kwargs)

    monkeypatch.setattr(client, "rest_response", held_call)
    assert send_now(note_id) == "retrying"
    monkeypatch.undo()
    waits_until = db.session.get(Delivery, note_id).next_attempt_at
    assert breaker.outages()  # the timeout opened the breaker
    breaker.answered(client.api_base() + "/incidents", 200)  # PagerDuty answers again: what it failed is due now
    assert breaker.outages() == {}
    db.session.expire_all()
    assert db.session.get(Delivery, note_id).next_attempt_at == waits_until > utcnow()


def test_a_refused_connection_says_pagerduty_is_not_answering(db, api, pd, routed, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGERDUTY_EVENTS_URL", "http://127.0.0.1:1")
    api.post("/incidents", json={**K8S, "external_id": "refused"})
    send_all(db)
    [finding] = status_badge(routed.id)["findings"]
    assert finding.code == "pagerduty_failing"
    assert finding.message.startswith("PagerDuty is not answering (connections refused or cut) since ")


def test_timeouts_say_pagerduty_is_not_answering(db, routed, app):
    url = app.config["PAGERDUTY_EVENTS_URL"] + "/v2/enqueue"
    breaker.answered(url, "timeout")
    [finding] = status_badge(routed.id)["findings"]
    assert finding.message.startswith("PagerDuty is not answering (calls time out) since ")
    assert finding.message.endswith("; no alert waiting")
    breaker.answered(url, 202)
    assert status_badge(routed.id)["state"] == "connected"


def test_the_finding_stands_from_the_outbox_when_redis_forgot_the_breaker(db, api, pd, routed, redis):
    pd.state.add_fault("503", scope="events")
    api.post("/incidents", json={**K8S, "external_id": "flushed"})
    send_all(db)
    redis.flushdb()
    breaker.reset()
    [finding] = status_badge(routed.id)["findings"]
    assert finding.code == "pagerduty_failing" and "(HTTP 503)" in finding.message


def test_a_throttled_key_is_named(db, api, pd, routed):
    pd.state.add_fault("429", count=1, retry_after=30, scope="events")
    api.post("/incidents", json={**K8S, "external_id": "throttled"})
    send_all(db)
    [finding] = status_badge(routed.id)["findings"]
    assert finding.code == "pagerduty_throttling"
    assert finding.message.startswith("PagerDuty is throttling the key of Platform (HTTP 429); 1 alert waiting")
    assert breaker.outages() == {}  # a throttled key is not PagerDuty failing


def test_metrics_say_pagerduty_is_failing_and_what_waits_on_it(db, api, pd, routed, client, metrics_token):
    from prometheus_client.parser import text_string_to_metric_families

    pd.state.add_fault("500", scope="events")
    api.post("/incidents", json={**K8S, "external_id": "metrics"})
    send_all(db)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"}).get_data(as_text=True)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("pagerbridge_deliveries_held_by_pagerduty", (("reason", "failing"),))] == 1
    failing = [key for key in samples if key[0] == "pagerbridge_pagerduty_failing"]
    assert len(failing) == 1 and ("status", "500") in failing[0][1]


def test_pagerduty_status_says_redis_is_not_answering(db, routed, test_env):
    """As the admin runs it: a process, with Redis away; a warning line, no traceback."""
    from tests.faults.test_postgres import flask

    env = {**test_env, "REDIS_URL": "redis://127.0.0.1:1/0"}
    result = flask(env, "pagerduty", "status", "--org", routed.slug, check=False)
    assert result.returncode == 0, result.stderr
    assert "warning: Redis is not answering: alerts are still taken and sent" in result.stdout
    assert "Traceback" not in result.stderr


def test_the_rest_api_failing_is_its_own_finding_and_leaves_events_alone(db, routed, app):
    rest = app.config["PAGERDUTY_API_URL"] + "/services"
    breaker.answered(rest, 503)
    [finding] = status_badge(routed.id)["findings"]
    assert finding.code == "pagerduty_api_failing"
    assert finding.message.startswith("PagerDuty is answering 503 to API calls since ")
    breaker.answered(app.config["PAGERDUTY_EVENTS_URL"] + "/v2/enqueue", 202)  # events answering: REST still down
    assert codes(routed.id) == ["pagerduty_api_failing"]
    breaker.answered(rest, 200)
    assert status_badge(routed.id)["state"] == "connected"
