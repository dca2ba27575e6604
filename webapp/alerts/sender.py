"""Sending one claimed delivery to PagerDuty, and what each answer means."""

import logging
import random
import re
import time
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, or_, update

from webapp.alerts import outbox
from webapp.alerts.pacing import reserve_slot
from webapp.connection.refusals import reroute_refused
from webapp.extensions import db
from webapp.models import Incident, Report
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.queues import get_queue
from webapp.sessions import kept_loaded

log = logging.getLogger(__name__)
BACKOFF_BASE, BACKOFF_CAP, MAX_ATTEMPTS = 2.0, 900.0, 20
INLINE_WAIT = 2.0
KEY_PATTERN = re.compile(r"\b[0-9a-zA-Z_+\-]{20,}\b")


def redact(text, secrets):
    """A response text with any secret, and anything shaped like a key, removed."""
    for secret in filter(None, secrets):
        text = text.replace(secret, "[redacted]")
    return KEY_PATTERN.sub(
        lambda m: m.group(0) if m.group(0).startswith(("report-", "incident-", "war-room-")) else "[redacted]", text
    )[:2000]


def send_delivery(delivery_id, slot_reserved=False):
    """Claim, pace, send and settle one delivery; safe to call twice or from several workers."""
    from webapp.connection.services import connection_for

    with kept_loaded():
        delivery = outbox.claim(delivery_id)
        connection = connection_for(delivery.org_id) if delivery is not None else None
        db.session.commit()  # the lease, and the connection read in the same transaction
        if delivery is None:
            return "not due or taken"
        if delivery.action in ("trigger", "acknowledge", "resolve") and not slot_reserved and _paced(delivery):
            return "paced"
        try:
            response = _send(delivery, connection)
        except client.PagerDutyError as error:
            return _failed(delivery, error, connection)
        return _delivered(delivery, response, connection)


def _paced(delivery):
    """Wait for this key's next free slot: inline when it is close, else come back in a scheduled job."""
    wait = reserve_slot(delivery.routing_key)
    if wait <= INLINE_WAIT:
        time.sleep(wait)
        return False
    delivery.next_attempt_at, delivery.lease_until = utcnow() + timedelta(seconds=wait), None
    db.session.commit()
    from jobs.alerts import send_delivery as job

    try:
        get_queue(outbox.queue_for(delivery)).enqueue_in(timedelta(seconds=wait), job, delivery.id, True)
    except Exception:  # noqa: BLE001 - Redis down: the sweep sends it when due
        log.warning("could not schedule paced delivery %s; the sweep will", delivery.id)
    return True


def _send(delivery, connection):
    from webapp.connection.services import credentials_for

    region = connection.region if connection else "us"
    if delivery.action == "note":
        return _send_note(delivery, credentials_for(delivery.org_id))
    event = {
        **delivery.payload,
        "routing_key": delivery.routing_key,
        "event_action": delivery.action,
        "dedup_key": delivery.dedup_key,
    }
    if delivery.action != "trigger":
        event = {key: event[key] for key in ("routing_key", "event_action", "dedup_key")}
    db.session.commit()  # hold no transaction (nor its locks) while waiting on PagerDuty
    return client.post_event(event, region)


def _send_note(delivery, credentials):
    subject = _subject(delivery)
    incident_id = subject.pd_incident_id if subject is not None else None
    if not incident_id:
        # The newest incident with our key, however old: PagerDuty lists only the last month unless asked for all.
        found = client.rest(
            credentials,
            "GET",
            "/incidents",
            params={"incident_key": delivery.dedup_key, "date_range": "all", "sort_by": "created_at:desc", "limit": 1},
        )
        if not found.get("incidents"):
            raise client.PagerDutyError("PagerDuty has no incident for this dedup key yet", status=None)
        incident_id = found["incidents"][0]["id"]
        if subject is not None:
            subject.pd_incident_id = incident_id
            subject.pd_incident_url = found["incidents"][0].get("html_url")
    return client.rest_response(credentials, "POST", f"/incidents/{incident_id}/notes", json={"note": delivery.payload})


def _subject(delivery):
    model = {"report": Report, "incident": Incident}.get(delivery.subject_type)
    return db.session.get(model, delivery.subject_id) if model and delivery.subject_id else None


def _secrets(delivery, connection):
    values = [delivery.routing_key]
    if connection:
        values += [connection.api_token, connection.integration_key, connection.routing_key]
    return values


def _delivered(delivery, response, connection):
    delivery.status, delivery.delivered_at = "delivered", utcnow()
    delivery.attempts += 1
    delivery.last_status_code = response.status_code
    delivery.last_response = redact(response.text[:2000], _secrets(delivery, connection))
    delivery.lease_until = delivery.lease_token = None
    _mirror_status(delivery)
    db.session.commit()
    outbox.release_successor(delivery)
    return "delivered"


def _mirror_status(delivery):
    """The subject's PagerDuty status, in one statement (a trigger never undoes an acknowledgement)."""
    if (
        delivery.subject_type not in ("report", "incident")
        or not delivery.subject_id
        or delivery.action not in ("trigger", "resolve")
    ):
        return
    db.session.execute(
        _mirror_statement(delivery.subject_type, delivery.action),
        {"subject_id": delivery.subject_id},
        execution_options={"synchronize_session": False},
    )


@cache
def _mirror_statement(subject_type, action):
    model = Report if subject_type == "report" else Incident
    statement = update(model).where(model.id == bindparam("subject_id"))
    if action == "trigger":
        statement = statement.where(or_(model.pd_status.is_(None), model.pd_status == "resolved"))
    return statement.values(pd_status="triggered" if action == "trigger" else "resolved")


def _failed(delivery, error, connection):
    delivery.attempts += 1
    delivery.last_status_code = error.status
    delivery.last_response = redact(f"{error.message}. {error.body or ''}".strip(), _secrets(delivery, connection))
    delivery.lease_until = delivery.lease_token = None
    if error.is_auth_failure or _refuses_routing_key(error):
        return reroute_refused(delivery, error, connection) or _pause(delivery, error)
    if error.is_retryable and delivery.attempts < MAX_ATTEMPTS:
        return _retry(delivery, error)
    delivery.status, delivery.next_attempt_at = "failed", None
    db.session.commit()
    outbox.release_successor(delivery)
    log.warning("delivery %s failed for good: %s", delivery.id, error.message)
    return "failed"


def _refuses_routing_key(error):
    """The Events API's 400 for a key it does not know or that is malformed ("Invalid routing key", "Length of
    'routing_key' is incorrect"…): the credentials are wrong, so pause rather than drop."""
    body = (error.body or "").lower()
    return error.status == 400 and ("invalid routing key" in body or "'routing_key'" in body)


def backoff_seconds(attempts, retry_after=None):
    """Retry-After when PagerDuty gives one; else exponential with jitter, capped."""
    if retry_after is not None:
        return max(retry_after, 0.5)
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1)) * random.uniform(0.5, 1.5)


def _retry(delivery, error):
    wait = backoff_seconds(delivery.attempts, error.retry_after)
    delivery.status, delivery.next_attempt_at = "retrying", utcnow() + timedelta(seconds=wait)
    db.session.commit()
    from jobs.alerts import send_delivery as job

    try:
        get_queue(outbox.queue_for(delivery)).enqueue_in(timedelta(seconds=wait), job, delivery.id)
    except Exception:  # noqa: BLE001 - Redis down: the sweep picks it up when due
        log.warning("could not schedule retry of delivery %s; the sweep will", delivery.id)
    return "retrying"


def _pause(delivery, error):
    from webapp.connection.services import mark_auth_failure

    delivery.status = "paused"
    db.session.commit()
    mark_auth_failure(delivery.org_id, error.message)
    return "paused"
