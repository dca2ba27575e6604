"""Sending one claimed delivery to PagerDuty, and what each answer means.

Nothing here sleeps: a paced delivery is given its slot (`next_attempt_at`, `slot_at`) and handed back, a retry
gets its time, and a sender (any sender, after a crash) claims it again when that time comes. Every outcome is
written only while the lease it was claimed with holds: a late one is logged and dropped.
"""

import logging
import random
import re
import time
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, or_, select, text, update

from webapp.alerts import outbox
from webapp.alerts.pacing import hold, reserve_slot
from webapp.alerts.refusals import reroute_refused
from webapp.analytics import record
from webapp.counters import LATENCIES
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for, mark_auth_failure
from webapp.queues import wake_senders
from webapp.unit_of_work import kept_loaded

log = logging.getLogger(__name__)
BACKOFF_BASE, BACKOFF_CAP, MAX_ATTEMPTS = 2.0, 900.0, 20
PACED_ACTIONS = ("trigger", "acknowledge", "resolve")
SLOT_LATE = timedelta(seconds=2)
KEY_PATTERN = re.compile(r"\b[0-9a-zA-Z_+\-]{20,}\b")


def redact(text, secrets):
    """A response text with any secret, and anything shaped like a key, removed."""
    for secret in filter(None, secrets):
        text = text.replace(secret, "[redacted]")
    return KEY_PATTERN.sub(
        lambda m: m.group(0) if m.group(0).startswith(("report-", "incident-", "war-room-")) else "[redacted]", text
    )[:2000]


class LeaseLost(Exception):
    """The delivery's lease was taken over (it outlived its lease, or its sender was seen dead)."""


class Facts(NamedTuple):
    """What a send needs of the org's connection: its region, and the secrets to keep out of stored answers."""

    region: str
    secrets: tuple


FACTS_SECONDS = 5.0  # a changed region or a rotated token reaches the sends this late at most
_facts_cache: dict[int, tuple[float, Facts]] = {}


def connection_facts(org_id: int) -> Facts:
    """The org's connection facts, read at most every FACTS_SECONDS per sender process (not once per send)."""
    cached = _facts_cache.get(org_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    connection = connection_for(org_id)
    facts = Facts(
        connection.region if connection else "us",
        (connection.api_token, connection.integration_key, connection.routing_key) if connection else (),
    )
    _facts_cache[org_id] = (time.monotonic() + FACTS_SECONDS, facts)
    return facts


def send_claimed(delivery_id: int, lease_token: str):
    """Send a delivery a sender has leased under `lease_token`; returns (outcome, when it is due again or None)."""
    with kept_loaded():
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.lease_token != lease_token:
            db.session.commit()
            return "not due or taken", None
        try:
            return _process(delivery, connection_facts(delivery.org_id), lease_token)
        except LeaseLost:
            db.session.rollback()
            log.warning("delivery %s: outcome came after its lease was taken over; dropped", delivery_id)
            return "late", None


def _process(delivery, facts, token):
    due = _paced(delivery, token)
    if due is not None:
        return "paced", due
    try:
        response = _send(delivery, facts.region, token)
    except client.PagerDutyError as error:
        outcome = _failed(delivery, error, connection_for(delivery.org_id), token)
        return outcome, delivery.next_attempt_at if outcome == "retrying" else None
    return _delivered(delivery, response, facts, token), None


def _settle(delivery_id, token, **values):
    """Write an outcome only while the lease it was claimed with still holds; else raise LeaseLost."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.lease_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LeaseLost(delivery_id)


@cache
def _delivered_statement():
    """The delivered write, lease-checked, answering in the same statement whether a later delivery of the dedup key
    waits behind this one (one statement instead of a look after commit; a successor written between this statement
    and the commit is claimed by the senders' next poll, within a second)."""
    later = db.aliased(Delivery)
    waiting = (
        select(later.id)
        .where(
            later.org_id == Delivery.org_id,
            later.dedup_key == Delivery.dedup_key,
            later.id > Delivery.id,
            later.status.in_(outbox.SENDABLE_STATUSES),
        )
        .exists()
    )
    return (
        update(Delivery)
        .where(Delivery.id == bindparam("delivery_id"), Delivery.lease_token == bindparam("token"))
        .values(
            status="delivered",
            delivered_at=bindparam("now"),
            attempts=Delivery.attempts + 1,
            last_status_code=bindparam("code"),
            last_response=bindparam("response"),
            lease_until=None,
            lease_token=None,
            lease_owner=None,
            slot_at=None,
            in_doubt_since=None,
        )
        .returning(waiting)
    )


def _hold_lease(delivery, token):
    """Lock the row while its lease still holds, for an outcome written through the ORM; else raise LeaseLost."""
    held = db.session.execute(
        select(Delivery.id).where(Delivery.id == delivery.id, Delivery.lease_token == token).with_for_update()
    ).first()
    if held is None:
        raise LeaseLost(delivery.id)


def _durably():
    """This transaction's commit waits for the disk, whatever the sender's default (a note must not be forgotten)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO on"))


def _paced(delivery, token):
    """Events go out in their key's slots: a delivery whose slot is later is given that slot and handed back
    (returns when it is due; None means send now)."""
    if delivery.action not in PACED_ACTIONS or _holds_slot(delivery):
        return None
    wait = reserve_slot(delivery.routing_key)
    if wait <= 0:
        return None
    due = utcnow() + timedelta(seconds=wait)
    _settle(delivery.id, token, next_attempt_at=due, slot_at=due, lease_until=None, lease_token=None, lease_owner=None)
    db.session.commit()
    return due


def _holds_slot(delivery):
    """The delivery comes back for the slot it reserved (a slot missed by far is reserved again)."""
    if delivery.slot_at is None:
        return False
    now = utcnow()
    return now - SLOT_LATE <= delivery.slot_at <= now + outbox.DUE_EARLY


def _send(delivery, region, token):
    if delivery.action == "note":
        return _send_note(delivery, credentials_for(delivery.org_id), token)
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


def _send_note(delivery, credentials, token):
    """Post a progress note. No transaction is open across the REST calls; the note is marked in doubt (durably)
    before it is posted, and a note found in doubt is looked for in PagerDuty before it is posted again."""
    subject = _subject(delivery)
    incident_id = subject.pd_incident_id if subject is not None else None
    db.session.commit()
    if not incident_id:
        incident_id = _find_incident(delivery, subject, credentials)
    if delivery.in_doubt_since is not None and _note_posted(credentials, incident_id, delivery.payload):
        log.info("delivery %s: the note is already in PagerDuty; not posted again", delivery.id)
        return _AlreadyPosted()
    _durably()
    _settle(delivery.id, token, in_doubt_since=utcnow())
    db.session.commit()
    return client.rest_response(credentials, "POST", f"/incidents/{incident_id}/notes", json={"note": delivery.payload})


class _AlreadyPosted:
    """Stands in for PagerDuty's answer when a note in doubt turned out to be posted already."""

    status_code = 200
    text = "The note was already in PagerDuty (found after an interrupted send); not posted again."


def _find_incident(delivery, subject, credentials):
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
        db.session.commit()
    return incident_id


def _note_posted(credentials, incident_id, payload):
    """Whether the incident already carries a note with this content (the newest first)."""
    content = (payload or {}).get("content")
    notes = client.rest(credentials, "GET", f"/incidents/{incident_id}/notes").get("notes", [])
    return any(note.get("content") == content for note in notes)


def _subject(delivery):
    model = {"report": Report, "incident": Incident}.get(delivery.subject_type)
    return db.session.get(model, delivery.subject_id) if model and delivery.subject_id else None


def _secrets(delivery, connection):
    values = [delivery.routing_key]
    if connection:
        values += [connection.api_token, connection.integration_key, connection.routing_key]
    return values


def _delivered(delivery, response, facts, token):
    now = utcnow()
    if delivery.action == "note":
        _durably()
    answer = redact(response.text[:2000], [delivery.routing_key, *facts.secrets])
    successor_waits = db.session.execute(
        _delivered_statement(),
        {"delivery_id": delivery.id, "token": token, "now": now, "code": response.status_code, "response": answer},
        execution_options={"synchronize_session": False},
    ).scalar()
    if successor_waits is None:
        raise LeaseLost(delivery.id)
    _mirror_status(delivery)
    # The latency metric is kept at commit, as the ORM hook would for an ORM write (a rollback forgets it).
    db.session.info.setdefault(LATENCIES, []).append(max(0.0, (now - delivery.created_at).total_seconds()))
    record.note_delivered(delivery, now)  # the write above is Core: the row object does not carry it
    db.session.commit()
    if successor_waits and delivery.dedup_key:
        wake_senders()
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


def _failed(delivery, error, connection, token):
    _hold_lease(delivery, token)
    if delivery.action == "note":
        _durably()
    delivery.attempts += 1
    delivery.last_status_code = error.status
    delivery.last_response = redact(f"{error.message}. {error.body or ''}".strip(), _secrets(delivery, connection))
    delivery.lease_until = delivery.lease_token = delivery.lease_owner = delivery.slot_at = None
    if error.status is not None and error.status < 500:
        delivery.in_doubt_since = None  # PagerDuty refused it: the note was not posted
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
    delivery.status = "paused"
    db.session.commit()
    mark_auth_failure(delivery.org_id, error.message)
    return "paused"
