"""Test Connection: a real trigger then resolve through the Events API, tracked as a JobRun."""

from webapp.alerts.outbox import resume_paused
from webapp.alerts.refusals import mark_broken, refuses_integration
from webapp.audit.services import record
from webapp.extensions import db
from webapp.formatting import plural
from webapp.models import Delivery, JobRun, Org, Service
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, mark_auth_failure
from webapp.routing.resolve import fallback_route
from webapp.routing.services import test_routing_key


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
    fallback = fallback_route(org_id, "", skip_service_id=service.id)
    return bool(fallback.routing_key) and fallback.routing_key != service.integration_key


def _resume(connection):
    """A test that works while paused is as good as a reconnect: the paused deliveries go out."""
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
