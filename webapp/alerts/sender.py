"""Sending one claimed delivery to PagerDuty, and what each answer means.

Nothing here sleeps: a paced delivery is given its slot (`next_attempt_at`, `slot_at`) and handed back, a retry
gets its time, and the delivery engine (or any engine, after a crash) claims it again when that time comes.
"""

import logging
import random
import re
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, or_, update

from webapp.alerts import outbox
from webapp.alerts.pacing import hold, reserve_slot
from webapp.analytics import record
from webapp.connection.refusals import reroute_refused
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.unit_of_work import kept_loaded

log = logging.getLogger(__name__)
BACKOFF_BASE, BACKOFF_CAP, MAX_ATTEMPTS = 2.0, 900.0, 20
PACED_ACTIONS = ("trigger", "acknowledge", "resolve")
SLOT_LATE, SLOT_EARLY = timedelta(seconds=2), timedelta(milliseconds=50)
WAITING_OUTCOMES = ("paced", "retrying")
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
        return _process(delivery, connection, slot_reserved)


def send_claimed(delivery_id, lease_token):
    """Send a delivery an engine has leased under `lease_token`; returns (outcome, when it is due again or None)."""
    from webapp.connection.services import connection_for

    with kept_loaded():
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.lease_token != lease_token:
            db.session.commit()
            return "not due or taken", None
        connection = connection_for(delivery.org_id)
        outcome = _process(delivery, connection, slot_reserved=False)
        return outcome, delivery.next_attempt_at if outcome in WAITING_OUTCOMES else None


def _process(delivery, connection, slot_reserved):
    if _paced(delivery, slot_reserved):
        return "paced"
    try:
        response = _send(delivery, connection)
    except client.PagerDutyError as error:
        return _failed(delivery, error, connection)
    return _delivered(delivery, response, connection)


def _paced(delivery, slot_reserved):
    """Events go out in their key's slots: a delivery whose slot is later is given that slot and handed back."""
    if delivery.action not in PACED_ACTIONS or slot_reserved or _holds_slot(delivery):
        return False
    wait = reserve_slot(delivery.routing_key)
    if wait <= 0:
        return False
    delivery.next_attempt_at = delivery.slot_at = utcnow() + timedelta(seconds=wait)
    delivery.lease_until = delivery.lease_token = None
    db.session.commit()
    return True


def _holds_slot(delivery):
    """The delivery comes back for the slot it reserved (a slot missed by far is reserved again)."""
    if delivery.slot_at is None:
        return False
    now = utcnow()
    return now - SLOT_LATE <= delivery.slot_at <= now + SLOT_EARLY


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
    delivery.lease_until = delivery.lease_token = delivery.slot_at = None
    _mirror_status(delivery)
    record.note_delivered(delivery)
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
    delivery.lease_until = delivery.lease_token = delivery.slot_at = None
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
    """Due again after the backoff; the engines claim it then (no RQ scheduler, nothing lost if this worker dies).
    A 429 holds the whole key, so its other deliveries wait as PagerDuty asked too."""
    wait = backoff_seconds(delivery.attempts, error.retry_after)
    if error.status == 429 and delivery.routing_key and delivery.action in PACED_ACTIONS:
        hold(delivery.routing_key, wait)
    delivery.status, delivery.next_attempt_at = "retrying", utcnow() + timedelta(seconds=wait)
    db.session.commit()
    return "retrying"


def _pause(delivery, error):
    from webapp.connection.services import mark_auth_failure

    delivery.status = "paused"
    db.session.commit()
    mark_auth_failure(delivery.org_id, error.message)
    return "paused"
