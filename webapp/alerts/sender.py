"""Sending one claimed delivery to PagerDuty, and what each answer means.

Nothing here sleeps: a paced delivery is given its slot (`next_attempt_at`, `slot_at`) and handed back, a retry
gets its time, and a sender (any sender, after a crash) claims it again when that time comes. Every outcome is
written only while the lease it was claimed with holds: a late one is logged and dropped.
"""

import logging
import random
import re
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Row, select, text, update

from webapp import crypto
from webapp.alerts import outbox
from webapp.alerts.outcomes import Delivered, OutcomeWriter, write_delivered
from webapp.alerts.pacing import hold, reserve_slot
from webapp.alerts.refusals import reroute_refused
from webapp.extensions import db
from webapp.models import Delivery, Incident, Report, Subject
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for, mark_auth_failure
from webapp.unit_of_work import kept_loaded

log = logging.getLogger(__name__)
BACKOFF_BASE, BACKOFF_CAP, MAX_ATTEMPTS = 2.0, 900.0, 20
# A note whose answer never came may still be carried out by PagerDuty after the client gave up: it is looked for
# (and posted again only if absent) once a call that old can no longer land.
NOTE_IN_DOUBT_SECONDS = 60.0
PACED_ACTIONS = ("trigger", "acknowledge", "resolve")
SLOT_LATE = timedelta(seconds=2)
KEY_PATTERN = re.compile(r"\b[0-9a-zA-Z_+\-]{20,}\b")


def redact(text: str, secrets: Iterable[str | None]) -> str:
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


Leased = SimpleNamespace  # the claimed row opened (read-only: writes are statements)


def send_leased(
    row: Row[Any], lease_token: str, writer: OutcomeWriter | None = None, reserved: float | None = None
) -> tuple[str, datetime | None]:
    """Send a delivery as the claim returned it (`claiming.claim_rows`: every column, leased under `lease_token`),
    with no read of its own; returns (outcome, when it is due again or None). A delivered trigger, acknowledgement or
    resolve is written in `writer`'s next batch when given (a sender's), else on its own. `reserved`: the wait for
    the pace slot the claim reserved for it (`needs_slot`), if it did. Raises SecretUnreadable when its routing key
    cannot be decrypted (as reading the row would): its lease lapses, the other sends go on."""
    delivery = SimpleNamespace(**row._asdict())
    if delivery.routing_key is not None:
        delivery.routing_key = crypto.decrypt(delivery.routing_key)
    with kept_loaded():
        return _settled(delivery, lease_token, writer, reserved)


def needs_slot(row: Any) -> bool:
    """Whether a claimed row's send reserves a pace slot first (a paced action not back for a slot it holds); its
    claim reserves them for all its rows at once (`pacing.reserve_slots` by `pace_group`)."""
    return row.action in PACED_ACTIONS and row.pace_group is not None and not _holds_slot(row)


def _settled(
    delivery: Leased, lease_token: str, writer: OutcomeWriter | None, reserved: float | None
) -> tuple[str, datetime | None]:
    try:
        return _process(delivery, connection_facts(delivery.org_id), lease_token, writer, reserved)
    except LeaseLost:
        db.session.rollback()
        log.warning("delivery %s: outcome came after its lease was taken over; dropped", delivery.id)
        return "late", None


def _process(
    delivery: Leased, facts: Facts, token: str, writer: OutcomeWriter | None, reserved: float | None
) -> tuple[str, datetime | None]:
    due = _paced(delivery, token, reserved)
    if due is not None:
        return "paced", due
    try:
        response = _send(delivery, facts.region, token)
    except client.PagerDutyError as error:
        failed = _hold_lease(delivery, token)
        outcome = _failed(failed, error, connection_for(delivery.org_id))
        return outcome, failed.next_attempt_at if outcome == "retrying" else None
    return _delivered(delivery, response, facts, token, writer), None


def _settle(delivery_id: int, token: str, **values: Any) -> None:
    """Write an outcome only while the lease it was claimed with still holds; else raise LeaseLost."""
    result = _core().execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.lease_token == token).values(**values)
    )
    if result.rowcount != 1:
        raise LeaseLost(delivery_id)


def _core() -> Connection:
    """The session's connection, in its transaction: the send's writes are statements with no ORM object to keep in
    step, and run through Core they skip the ORM's per-execution work (a fresh cache key each time: ~1 ms of CPU)."""
    return db.session.connection()


def _hold_lease(delivery: Leased, token: str) -> Delivery:
    """The row, locked and read afresh while its lease still holds, for an outcome written through the ORM; else
    raise LeaseLost."""
    held = db.session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery.id, Delivery.lease_token == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if held is None:
        raise LeaseLost(delivery.id)
    return held


def _durably() -> None:
    """This transaction's commit waits for the disk, whatever the sender's default (a note must not be forgotten)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO on"))


def _paced(delivery: Leased, token: str, reserved: float | None) -> datetime | None:
    """Events go out in their key's slots: a delivery whose slot is later is given that slot and handed back
    (returns when it is due; None means send now). `reserved`: the wait for the slot its claim reserved."""
    if reserved is None:
        if delivery.action not in PACED_ACTIONS or _holds_slot(delivery):
            return None
        reserved = reserve_slot(delivery.routing_key)
    wait = reserved
    if wait <= 0:
        return None
    due = utcnow() + timedelta(seconds=wait)
    _settle(delivery.id, token, next_attempt_at=due, slot_at=due, lease_until=None, lease_token=None, lease_owner=None)
    db.session.commit()
    return due


def _holds_slot(delivery: Any) -> bool:
    """The delivery comes back for the slot it reserved (a slot missed by far is reserved again)."""
    if delivery.slot_at is None:
        return False
    now = utcnow()
    return now - SLOT_LATE <= delivery.slot_at <= now + outbox.DUE_EARLY


def _send(delivery: Leased, region: str, token: str) -> Any:
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


def _send_note(delivery: Leased, credentials: client.Credentials, token: str) -> Any:
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
    _settle(delivery.id, token, in_doubt_since=utcnow())  # a failure re-reads the row (`_hold_lease`) and sees it
    db.session.commit()
    return client.rest_response(credentials, "POST", f"/incidents/{incident_id}/notes", json={"note": delivery.payload})


class _AlreadyPosted:
    """Stands in for PagerDuty's answer when a note in doubt turned out to be posted already."""

    status_code = 200
    text = "The note was already in PagerDuty (found after an interrupted send); not posted again."


def _find_incident(delivery: Leased, subject: Report | Incident | None, credentials: client.Credentials) -> str:
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


def _note_posted(credentials: client.Credentials, incident_id: str, payload: dict[str, Any]) -> bool:
    """Whether the incident already carries a note with this content (the newest first)."""
    content = (payload or {}).get("content")
    notes = client.rest(credentials, "GET", f"/incidents/{incident_id}/notes").get("notes", [])
    return any(note.get("content") == content for note in notes)


def _subject(delivery: Leased) -> Report | Incident | None:
    model = {"report": Report, "incident": Incident}.get(delivery.subject_type or "")
    return cast(Subject | None, db.session.get(model, delivery.subject_id) if model and delivery.subject_id else None)


def _secrets(delivery: Leased, connection: Any) -> list[str | None]:
    values = [delivery.routing_key]
    if connection:
        values += [connection.api_token, connection.integration_key, connection.routing_key]
    return values


def _delivered(delivery: Leased, response: Any, facts: Facts, token: str, writer: OutcomeWriter | None) -> str:
    """Write the accepted send's outcome: in the writer's next batch, or (a note, or no writer) on its own, durably
    for a note; raise LeaseLost when its lease was taken over meanwhile."""
    outcome = Delivered(
        delivery.id,
        token,
        utcnow(),
        response.status_code,
        redact(response.text[:2000], [delivery.routing_key, *facts.secrets]),
        delivery.org_id,
        delivery.dedup_key,
        delivery.action,
        delivery.subject_type,
        delivery.subject_id,
        delivery.target_label,
        delivery.severity,
        delivery.created_at,
    )
    if writer is not None and delivery.action != "note":
        written = writer.write(outcome)
    else:
        if delivery.action == "note":
            _durably()
        written = delivery.id in write_delivered([outcome])
    if not written:
        raise LeaseLost(delivery.id)
    return "delivered"


def _failed(delivery: Delivery, error: client.PagerDutyError, connection: Any) -> str:
    """Write a failed send's outcome on the row `_hold_lease` locked: retry, reroute, pause or fail for good."""
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


def _refuses_routing_key(error: client.PagerDutyError) -> bool:
    """The Events API's 400 for a key it does not know or that is malformed ("Invalid routing key", "Length of
    'routing_key' is incorrect"…): the credentials are wrong, so pause rather than drop."""
    body = (error.body or "").lower()
    return error.status == 400 and ("invalid routing key" in body or "'routing_key'" in body)


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Retry-After when PagerDuty gives one; else exponential with jitter, capped."""
    if retry_after is not None:
        return max(retry_after, 0.5)
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1)) * random.uniform(0.5, 1.5)


def _retry(delivery: Delivery, error: client.PagerDutyError) -> str:
    """Due again after the backoff; the engines claim it then (no RQ scheduler, nothing lost if this worker dies).
    A 429 holds the whole key, so its other deliveries wait as PagerDuty asked too."""
    wait = backoff_seconds(delivery.attempts, error.retry_after)
    if delivery.action == "note" and error.status is None and delivery.in_doubt_since is not None:
        wait = max(wait, NOTE_IN_DOUBT_SECONDS)
    if error.status == 429 and delivery.routing_key and delivery.action in PACED_ACTIONS:
        hold(delivery.routing_key, wait)
    delivery.status, delivery.next_attempt_at = "retrying", utcnow() + timedelta(seconds=wait)
    db.session.commit()
    return "retrying"


def _pause(delivery: Delivery, error: client.PagerDutyError) -> str:
    delivery.status = "paused"
    db.session.commit()
    mark_auth_failure(delivery.org_id, error.message)
    return "paused"
