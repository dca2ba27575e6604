"""Test Connection: a real trigger then resolve through the Events API, tracked as a JobRun."""

from webapp.connection.services import mark_auth_failure
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.formatting import plural
from webapp.models import Delivery, JobRun, Org, Service
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for
from webapp.queues import enqueue_after_commit


def test_routing_key(org_id, connection, service_id=None):
    """The key a test event goes to, with its label; DomainError when there is none.

    With `service_id`, that configured service's own key ("Send test to Payments" on the Services tab).
    """
    if service_id is not None:
        service = db.session.get(Service, service_id)
        if service is None or service.org_id != org_id or not service.enabled or not service.integration_key:
            raise DomainError("Configure this service before sending it a test event.")
        return service.integration_key, service.name
    if connection.method == "routing_key":
        return connection.routing_key, connection.service_name
    if connection.integration_key:
        return connection.integration_key, "VDP integration key"
    service = db.session.scalar(
        db.select(Service)
        .where(
            Service.org_id == org_id,
            Service.enabled.is_(True),
            Service.integration_key.isnot(None),
            Service.broken_at.is_(None),
            Service.removed_at.is_(None),
        )
        .order_by(Service.is_default.desc(), Service.name)
        .limit(1)
    )
    if service is None:
        raise DomainError("Nothing to send a test event to: add an integration key or configure a service.")
    return service.integration_key, service.name


def start_test(org_id, service_id=None):
    """Create the JobRun that the page polls, and queue the job (to one service's key with `service_id`)."""
    connection = connection_for(org_id)
    if connection is None or connection.state == "disconnected":
        raise DomainError("Connect PagerDuty before testing the connection.")
    test_routing_key(org_id, connection, service_id)
    run = JobRun(org_id=org_id, kind="test_connection", status="queued", total=2, message="Queued")
    db.session.add(run)
    db.session.commit()
    extra = () if service_id is None else (service_id,)
    enqueue_after_commit("jobs.connection.run_test", org_id, run.id, *extra, queue="default")
    db.session.commit()
    return run


def run_test(org_id, run_id, service_id=None):
    """Send the test trigger and resolve; the run records each step and the outcome in words."""
    run, connection = db.session.get(JobRun, run_id), connection_for(org_id)
    run.status = "running"
    slug = db.session.get(Org, org_id).slug
    key, label = test_routing_key(org_id, connection, service_id)
    dedup = f"test-{slug}-{run_id}"
    trigger = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": {
            "summary": "PagerBridge test event: the connection works",
            "source": f"pagerbridge/{slug}",
            "severity": "info",
            "component": "pagerbridge",
            "class": "test",
        },
    }
    try:
        for step, event in enumerate((trigger, {"routing_key": key, "event_action": "resolve", "dedup_key": dedup})):
            client.enqueue_event(event, connection.region)
            _log_test(org_id, event["event_action"], dedup, label, key, "delivered", "Event processed (202)")
            run.progress, run.message = step + 1, f"Sent the test {event['event_action']}"
            db.session.commit()
    except client.PagerDutyError as error:
        _log_test(org_id, "trigger" if run.progress == 0 else "resolve", dedup, label, key, "failed", error.message)
        run.status, run.message, run.finished_at = "failed", f"Test failed: {error.message}", utcnow()
        db.session.commit()
        _refused(org_id, key, error, mark_auth_failure)
        return run.message
    run.status, run.finished_at = "done", utcnow()
    run.message = f"Test event triggered and resolved on {label}."
    if connection.state == "error":
        resumed = _resume(connection)
        verb = "resumes" if resumed == 1 else "resume in order"
        run.message += f" PagerDuty accepts the credentials again: {plural(resumed, 'paused alert')} {verb}."
    db.session.commit()
    return run.message


def _refused(org_id, key, error, mark_auth_failure):
    """A refused service key breaks that service's route; a refused token or only key pauses the org."""
    from webapp.connection.refusals import mark_broken, refuses_integration

    if not (error.is_auth_failure or refuses_integration(error)):
        return
    service = _service_with_key(org_id, key)
    if service is not None and not error.is_auth_failure and _other_key_remains(org_id, service):
        mark_broken(service, error.message)
        db.session.commit()
    else:
        mark_auth_failure(org_id, error.message)


def _service_with_key(org_id, key):
    """The configured service holding this key (keys are encrypted, so compared here, not in SQL)."""
    services = db.session.scalars(db.select(Service).filter_by(org_id=org_id, enabled=True)).all()
    return next((s for s in services if key and s.integration_key == key), None)


def _other_key_remains(org_id, service):
    """Whether another key than this service's could still take its alerts."""
    from webapp.routing.resolve import fallback_route

    fallback = fallback_route(org_id, "", skip_service_id=service.id)
    return bool(fallback.routing_key) and fallback.routing_key != service.integration_key


def _resume(connection):
    """A test that works while paused is as good as a reconnect: the paused deliveries go out."""
    from webapp.alerts.outbox import resume_paused
    from webapp.audit.services import record

    connection.state, connection.last_error, connection.last_error_at = "connected", None, None
    resumed = resume_paused(connection.org_id)
    record(connection.org_id, "pagerduty.resumed_by_test", {"resumed_deliveries": resumed})
    return resumed


def _log_test(org_id, action, dedup, label, key, status, response):
    db.session.add(
        Delivery(
            org_id=org_id,
            action="test",
            event_type=f"test_{action}",
            dedup_key=dedup,
            target_label=label,
            routing_key=key,
            status=status,
            attempts=1,
            payload={},
            last_response=response,
            delivered_at=utcnow() if status == "delivered" else None,
            next_attempt_at=None,
            route_reason="Test Connection",
        )
    )
