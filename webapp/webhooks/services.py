"""Inbound webhooks: verify, store once per webhook id, then apply to timelines in a job."""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from flask import current_app, request
from sqlalchemy import Engine, bindparam, create_engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from webapp import inputs
from webapp.analytics import record
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Connection, Incident, Report, Subject, WarRoom, WebhookReceipt
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import credentials_for
from webapp.unit_of_work import rowcount
from webapp.webhooks.credentials import org_and_secrets
from webapp.webhooks.events import apply_event
from webapp.webhooks.payload import IncidentData, UnexpectedShape
from webapp.webhooks.signatures import verify_signature

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024
REPLAY = "pagerbridge.webhook_replay"  # set on the request when a signed event came again under a new id
MAX_ATTEMPTS = 3  # failures to apply before a receipt is quarantined


class Rejected(Exception):
    """The delivery is refused; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def accept(token: str, raw_body: bytes, signature: str | None, webhook_id: str | None) -> tuple[int | None, bool]:
    """Verify and store a delivery; returns (receipt id, created). Raises Rejected with 401/400."""
    org_id, secrets = org_and_secrets(token)
    if org_id is None or not verify_signature(signature, raw_body, secrets):
        raise Rejected(401, "unknown token" if org_id is None else "bad or missing signature")
    try:
        body = inputs.loads(raw_body)
    except ValueError as error:
        raise Rejected(400, f"malformed JSON: {error}"[:200]) from None
    if inputs.bad_characters(body):
        raise Rejected(422, "a string holds a NUL character or a lone surrogate")
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict):
        raise Rejected(400, "no event object")
    webhook_id = (webhook_id or str(event.get("id") or "")).replace("\x00", "")[:100]
    if not webhook_id:
        raise Rejected(400, "no webhook id")
    data = incident_of(event)
    event_id = str(event.get("id") or "").replace("\x00", "")[:100] or None
    receipt_id = _insert_once(
        org_id=org_id,
        webhook_id=webhook_id,
        event_id=event_id,
        body=body,
        received_at=utcnow(),
        event_type=str(event.get("event_type", ""))[:100],
        pd_incident_id=str(data.get("id"))[:32] if data.get("id") else None,
    )
    if receipt_id is None and event_id:
        _note_replay(org_id, webhook_id, event_id)
    return receipt_id, receipt_id is not None


def _note_replay(org_id: int, webhook_id: str, event_id: str) -> None:
    """A signed event already stored under another webhook id came again: count it on the receipt, log it, and
    let the endpoint's metrics say 'replay' (a retry under the same webhook id is a plain duplicate)."""
    with intake_engine().connect() as connection:
        replayed = connection.execute(
            db.update(WebhookReceipt)
            .where(
                WebhookReceipt.org_id == org_id,
                WebhookReceipt.event_id == event_id,
                WebhookReceipt.webhook_id != webhook_id,
            )
            .values(replays=WebhookReceipt.replays + 1)
        ).rowcount
    if replayed:
        request.environ[REPLAY] = True
        log.warning("webhook replay refused: event %s of org %s came again as webhook %s", event_id, org_id, webhook_id)


def incident_of(event: dict[str, Any]) -> dict[str, Any]:
    """The PagerDuty incident an event is about: its data, or for other resources (a note) the incident they name."""
    data: dict[str, Any] = event["data"] if isinstance(event.get("data"), dict) else {}
    if data.get("type", "incident") != "incident":
        data = data["incident"] if isinstance(data.get("incident"), dict) else {}
    return data


RECEIPT_FIELDS = ("org_id", "webhook_id", "event_id", "event_type", "pd_incident_id", "body", "received_at")


def _insert_once(**values: Any) -> int | None:
    """Store the receipt unless this webhook id or signed event id was seen already, committed in one statement; the
    new id or None.

    On the intake engine (autocommit, no ping before each use): a connection found dead is replaced and the insert
    tried once more, which its ON CONFLICT makes safe even if the first one went through.
    """
    for attempt in (1, 2):
        try:
            with intake_engine().connect() as connection:
                return connection.scalar(_insert_statement(connection.dialect.name), values)
        except DBAPIError as error:
            if not error.connection_invalidated or attempt == 2:
                raise
    return None  # not reached: the second attempt returns or raises


def intake_engine() -> Engine:
    """The app's engine for storing receipts: the main engine pings the database before every use, which would cost
    the endpoint a round trip per webhook; this one handles a dropped connection when it meets one instead."""
    engine = current_app.extensions.get("pagerbridge_intake_engine")
    if engine is None:
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        current_app.extensions["pagerbridge_intake_engine"] = engine
    return engine


@cache  # built once: the webhook endpoint is the hottest path PagerDuty drives
def _insert_statement(dialect: str) -> Any:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(WebhookReceipt)
        .on_conflict_do_nothing()  # either key: (org, webhook id) or (org, signed event id)
        .values({name: bindparam(name) for name in RECEIPT_FIELDS})
        .returning(WebhookReceipt.id)
    )


def apply_receipt(receipt_id: int) -> str | None:
    """Apply a stored delivery once: timeline entry and PagerDuty status on the matching report or incident.

    Never raises for the receipt's own sake: a failure is counted on the receipt (quarantined at MAX_ATTEMPTS, or at
    once for a shape PagerBridge cannot read) so the others go on. Only a database that cannot be reached raises.
    """
    claimed = db.session.execute(
        db.update(WebhookReceipt)
        .where(
            WebhookReceipt.id == receipt_id,
            WebhookReceipt.processed_at.is_(None),
            WebhookReceipt.quarantined_at.is_(None),
        )
        .values(processed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        db.session.rollback()
        return "already processed"
    receipt = db.session.get_one(WebhookReceipt, receipt_id)
    try:
        receipt.outcome = _apply(receipt)
        connection = db.session.scalar(db.select(Connection).filter_by(org_id=receipt.org_id))
        if connection is not None:
            connection.last_webhook_at, connection.last_webhook_outcome = receipt.received_at, receipt.outcome
        db.session.commit()
    except (OperationalError, InterfaceError):
        db.session.rollback()
        raise
    except Exception as error:  # noqa: BLE001 (any failure of one receipt must not stop the others)
        db.session.rollback()
        return record_failure(receipt_id, error)
    return receipt.outcome


def record_failure(receipt_id: int, error: Exception) -> str:
    """Count a failed application; quarantine the receipt at MAX_ATTEMPTS (or at once for an unreadable shape)."""
    shape = isinstance(error, UnexpectedShape)
    message = f"unexpected shape: {error}" if shape else f"{type(error).__name__}: {error}"
    db.session.execute(
        db.update(WebhookReceipt)
        .where(WebhookReceipt.id == receipt_id)
        .values(attempts=MAX_ATTEMPTS if shape else WebhookReceipt.attempts + 1, last_error=message[:500])
        .execution_options(synchronize_session=False)
    )
    receipt = db.session.get_one(WebhookReceipt, receipt_id)
    db.session.refresh(receipt)
    if receipt.attempts >= MAX_ATTEMPTS:
        receipt.quarantined_at, receipt.outcome = utcnow(), "quarantined"
    db.session.commit()
    if receipt.quarantined_at:
        log.warning("webhook receipt %s quarantined after %s attempts: %s", receipt_id, receipt.attempts, message)
        return "quarantined"
    log.warning("webhook receipt %s failed (attempt %s): %s", receipt_id, receipt.attempts, message)
    return f"failed (attempt {receipt.attempts} of {MAX_ATTEMPTS})"


def _apply(receipt: WebhookReceipt) -> str:
    return apply_event(receipt.org_id, receipt.event_type, receipt.body)


def parse_time(value: object) -> datetime:
    """When PagerDuty says it happened, in UTC; now when it says nothing readable."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC)
    except (ValueError, OverflowError):
        return utcnow()


def find_subject(org_id: int, incident: IncidentData) -> Subject | WarRoom | None:
    """The report, incident or war room behind a PagerDuty incident (IncidentData): its key, our stored id, else its
    alerts'."""
    subject = subject_for_key(org_id, incident.incident_key)
    if subject is None and incident.id:
        for model in (Report, Incident):
            subject = subject or db.session.scalar(
                db.select(model).filter_by(org_id=org_id, pd_incident_id=incident.id)
            )
    if subject is None and incident.id:
        for key in alert_keys(org_id, incident.id):
            subject = subject or subject_for_key(org_id, key)
    return subject


def subject_for_key(org_id: int, dedup_key: object) -> Subject | WarRoom | None:
    """report-<id>, incident-<id> or war-room-<slug>-<number> of this org."""
    if not isinstance(dedup_key, str):
        return None
    if dedup_key.startswith(record.WAR_ROOM_PREFIX):
        return record.war_room_for_key(org_id, dedup_key)
    models: tuple[tuple[str, type[Subject]], ...] = (("report-", Report), ("incident-", Incident))
    for prefix, model in models:
        subject_id = inputs.parse_id(dedup_key[len(prefix) :]) if dedup_key.startswith(prefix) else None
        if subject_id is not None:
            subject = cast(Subject | None, db.session.get(model, subject_id))
            return subject if subject is not None and subject.org_id == org_id else None
    return None


def alert_keys(org_id: int, pd_incident_id: str) -> list[str]:
    """The alert keys of a grouped PagerDuty incident (its incident_key is empty then)."""
    try:
        alerts = client.paginate(credentials_for(org_id), f"/incidents/{pd_incident_id}/alerts", "alerts")
    except (DomainError, client.PagerDutyError) as error:
        log.warning("could not read alerts of PagerDuty incident %s: %s", pd_incident_id, error)
        return []
    return [alert.get("alert_key") for alert in alerts if alert.get("alert_key")]


def unprocessed_ids(limit: int = 500) -> Sequence[int]:
    """Receipts a job has not applied yet (Redis was down, a worker died, or applying failed), quarantine aside."""
    return db.session.scalars(
        db.select(WebhookReceipt.id)
        .where(WebhookReceipt.processed_at.is_(None), WebhookReceipt.quarantined_at.is_(None))
        .order_by(WebhookReceipt.id)
        .limit(limit)
    ).all()
