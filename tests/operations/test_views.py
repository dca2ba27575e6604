"""Settings → Operations: admins only; liveness, queues, periodic jobs, PagerDuty answers and the org's charts."""

import json
import re
import time
from datetime import timedelta

import pytest
from rq import Queue

from tests import factories
from webapp import counters
from webapp.models import Delivery
from webapp.models.types import utcnow

URL = "/settings/operations/"


@pytest.fixture(autouse=True)
def counting(monkeypatch):
    """Counting on, whatever Redis outage an earlier test simulated in this process."""
    monkeypatch.setattr(counters, "_paused_until", [0.0])


@pytest.fixture()
def operator_client(app, org, db):
    """The org's admin, made an operator as `flask users operator` does."""
    from tests.conftest import login
    from webapp.models import User

    db.session.execute(db.update(User).where(User.email == org.admin_email).values(is_operator=True))
    db.session.commit()
    return login(app, org.admin_email)


def chart(html, name):
    match = re.search(rf"data-chart=\"{name}\" data-series='([^']*)'", html)
    return json.loads(match.group(1).replace("&#34;", '"'))


def test_members_get_403_and_visitors_sign_in(member_client, client):
    assert member_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302


def test_the_tab_is_in_the_settings_navigation(admin_client):
    assert f'href="{URL}"' in admin_client.get("/settings/deliveries/").get_data(as_text=True)


def test_a_quiet_system_says_what_is_missing(operator_client):
    html = operator_client.get(URL).get_data(as_text=True)
    assert "No worker is running" in html
    assert "No periodic job is scheduled: start the scheduler process." in html
    assert "No call to PagerDuty in the last hour." in html
    assert 'data-process="web"' in html and "Running" in html


def test_live_processes_queues_jobs_and_answers(operator_client, redis):
    from webapp import liveness

    liveness.beat(liveness.Kind.WORKER, "ops-test-worker")
    liveness.beat(liveness.Kind.SENDER, "ops-test-sender")
    Queue("default", connection=redis).enqueue("jobs.maintenance.heartbeat")
    now = time.time()
    redis.hset("pagerbridge:periodic:last-run", mapping={"outbox-sweep": now - 20, "sla-evaluator": now - 7200})
    redis.zadd("rq:scheduler:scheduled_jobs", {"periodic-outbox-sweep": now + 10, "periodic-sla-evaluator": now + 100})
    counters.count_pagerduty_response("events", 202)
    counters.count_pagerduty_response("events", 202)
    counters.count_pagerduty_response("rest", 429)
    html = operator_client.get(URL).get_data(as_text=True)
    assert "ops-test-worker" in html and "1 worker alive" in html and "heartbeat now" in html
    assert "ops-test-sender" in html and "1 delivery engine sending." in html
    assert "Periodic jobs are queued on time." in html
    assert re.search(r"<td>default</td><td class=\"text-end\">1</td>", html)
    assert re.search(r"<td>outbox-sweep</td><td>20 s ago</td>", html)
    assert "<td>sla-evaluator</td><td>2.0 h ago" in html  # no period known for it here, so not flagged late
    assert re.search(r"<td>202</td><td class=\"text-end\">2</td>", html)
    assert re.search(r"<td>429</td><td class=\"text-end\">1</td>", html)


def test_a_stopped_scheduler_is_named(admin_client, redis):
    redis.zadd("rq:scheduler:scheduled_jobs", {"periodic-outbox-sweep": time.time() - 600})
    html = admin_client.get(URL).get_data(as_text=True)
    assert "the scheduler process looks stopped" in html


def test_the_org_deliveries_and_charts_count_only_this_org(admin_client, org, db):
    now = utcnow()
    hour = (now - timedelta(hours=3)).replace(minute=30, second=0, microsecond=0)
    other = factories.org_with_users()

    def row(created, status, delivered=None, org_id=org.id):
        return Delivery(
            org_id=org_id, action="trigger", event_type="t", status=status, created_at=created, delivered_at=delivered
        )

    db.session.add_all(
        [
            row(hour, "delivered", hour + timedelta(seconds=60)),
            row(hour + timedelta(minutes=1), "delivered", hour + timedelta(seconds=62)),
            row(hour + timedelta(minutes=2), "failed"),
            row(now - timedelta(minutes=5), "pending"),
            row(now - timedelta(days=2), "delivered", now - timedelta(days=2)),
            row(now - timedelta(hours=9), "pending", org_id=other.id),
        ]
    )
    db.session.commit()
    html = admin_client.get(URL).get_data(as_text=True)
    volume, latency = chart(html, "volume"), chart(html, "latency")
    assert len(volume["x"]) == 24 and sum(volume["created"]) == 4
    assert sum(volume["delivered"]) == 2 and sum(volume["failed"]) == 1
    index = volume["x"].index(int(hour.replace(minute=0).timestamp()))
    assert volume["created"][index] == 3
    assert latency["p50"][index] == 31.0 and latency["p95"][index] == pytest.approx(57.1)
    assert [v for v in latency["p50"] if v is not None] == [31.0]
    assert "5 min ago" in html  # the oldest waiting is this org's, not the other org's 9 hours


def test_htmx_polling_gets_the_live_part_only(htmx_client):
    response = htmx_client.get(URL, headers={"HX-Target": "operations-live"})
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="operations-live"') and "<html" not in html
    assert 'hx-trigger="every 15s, deliveriesChanged from:body"' in html


def test_redis_down_is_said_in_words(admin_client, monkeypatch):
    from redis.exceptions import ConnectionError

    from webapp.operations import services

    def down(*_args, **_kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(services, "_web", down)
    html = admin_client.get(URL).get_data(as_text=True)
    assert "Redis is not answering" in html
    assert 'data-process="worker"' in html  # liveness is in the database: still shown


def test_a_periodic_job_overdue_for_its_period_is_late(operator_client, redis, app):
    from jobs.schedule import build_scheduler, periodic_jobs, reconcile

    jobs = periodic_jobs(app.config)
    reconcile(build_scheduler(redis), jobs)
    now = time.time()
    redis.hset("pagerbridge:periodic:last-run", mapping={"outbox-sweep": now - 10, "oncall-sync": now - 3600})
    html = operator_client.get(URL).get_data(as_text=True)
    states = {name: state for state, name in re.findall(r'<tr data-state="(\w+)"><td>([\w-]+)</td>', html)}
    never_ran = {job[0]: "warning" for job in jobs}
    assert {"outbox-sweep", "oncall-sync"} <= set(never_ran)
    assert states == {**never_ran, "outbox-sweep": "ok"}
    assert f"<td>{app.config['SWEEP_PERIOD_SECONDS']} s</td>" in html


def test_an_org_admin_sees_states_but_no_other_tenant_or_host_figures(admin_client, redis):
    from webapp import liveness

    liveness.beat(liveness.Kind.WORKER, "ops-secret-worker")
    Queue("default", connection=redis).enqueue("jobs.maintenance.heartbeat")
    counters.count_pagerduty_response("events", 202)
    counters.web_heartbeat()
    html = admin_client.get(URL).get_data(as_text=True)
    assert "1 worker alive" in html and 'data-process="web"' in html
    assert "ops-secret-worker" not in html and 'id="deployment-wide"' not in html
    assert 'id="pagerduty-answers"' not in html and 'id="queue-depths"' not in html
    assert not re.search(r"<code>[^<]+</code> · ", html)  # no host name or pid


def test_only_the_cli_grants_the_operator_role(runner, org, db):
    from webapp.models import User

    result = runner.invoke(args=["users", "operator", org.admin_email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(User.is_operator).where(User.email == org.admin_email)) is True
    assert runner.invoke(args=["users", "operator", "nobody@example.com"]).exit_code != 0
