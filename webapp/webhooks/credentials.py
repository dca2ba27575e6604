"""Who a webhook token belongs to and its active signing secrets (stored here, cached per process, invalidated
through Redis).

Reading the org and decrypting its secrets on every webhook cost more than the rest of the endpoint. Each process
keeps what it read, tagged with a version number kept in Redis; every committed change to a webhook token or a
signing secret bumps the number (a session hook, so no writer can forget), and every process reads afresh on its next
webhook: a regenerated URL or a retired secret stops working at once. Without Redis nothing is cached.
"""

import logging
import time
from functools import cache

from redis.exceptions import RedisError
from sqlalchemy import Select, bindparam, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from webapp.audit.services import record
from webapp.extensions import db
from webapp.models import Org, WebhookSecret
from webapp.models.types import utcnow
from webapp.queues import get_redis

log = logging.getLogger(__name__)
VERSION_KEY = "pagerbridge:webhook-credentials-version"
CHANGED_KEY = "pagerbridge_webhook_credentials_changed"
KEEP_SECONDS = 60  # a bound for the unlikely case that a bump was lost with Redis
_known: dict[str, tuple[bytes, float, int, list[str]]] = {}  # token -> (version, read at, org id, secrets)


def org_and_secrets(token: str | None) -> tuple[int | None, list[str]]:
    """(org id, its active signing secrets) for a webhook token; (None, []) when the token is unknown."""
    if not token:
        return None, []
    version = _version()
    known = _known.get(token)
    if known and version is not None and known[0] == version and time.monotonic() - known[1] < KEEP_SECONDS:
        return known[2], known[3]
    org_id, secrets = _read(token)
    if org_id is not None and version is not None:
        _known[token] = (version, time.monotonic(), org_id, secrets)
    else:
        _known.pop(token, None)
    return org_id, secrets


def _version() -> bytes | None:
    try:
        return get_redis().get(VERSION_KEY) or b"0"
    except RedisError:
        return None


def _read(token: str) -> tuple[int | None, list[str]]:
    with db.engine.connect() as connection:  # the endpoint holds no session transaction open
        rows = connection.execute(_lookup_statement(), {"token": token}).all()
    if not rows:
        return None, []
    return rows[0][0], [secret for _, secret in rows if secret]


@cache
def _lookup_statement() -> Select[int, str]:
    return (
        db.select(Org.id, WebhookSecret.secret)
        .outerjoin(WebhookSecret, db.and_(WebhookSecret.org_id == Org.id, WebhookSecret.retired_at.is_(None)))
        .where(Org.webhook_token == bindparam("token"))
    )


def _note_changes(session: Session, _context: object, _instances: object) -> None:
    """Before a flush: does it touch a signing secret or a webhook token?"""
    if any(
        isinstance(row, WebhookSecret) or (isinstance(row, Org) and _token_changed(row))
        for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[CHANGED_KEY] = True


def _token_changed(org: Org) -> bool:
    return inspect(org).attrs.webhook_token.history.has_changes()


def _note_bulk_changes(state: ORMExecuteState) -> None:
    """UPDATE or DELETE statements on the secrets or the orgs (disconnect wipes secrets in one statement)."""
    if (
        (state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and state.bind_mapper.class_ in (WebhookSecret, Org)
    ):
        state.session.info[CHANGED_KEY] = True


def _bump_after_commit(session: Session) -> None:
    if session.info.pop(CHANGED_KEY, False):
        try:
            get_redis().incr(VERSION_KEY)
        except RedisError as error:
            log.warning(
                "webhook credentials changed but Redis is unreachable (%s): caches expire within %s s",
                error,
                KEEP_SECONDS,
            )


def _forget_after_rollback(session: Session, _previous: object = None) -> None:
    session.info.pop(CHANGED_KEY, None)


def install_session_hooks() -> None:
    """Hook the session class once: note changes to tokens and secrets, bump the version after their commit."""
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _bump_after_commit):
        event.listen(Session, "before_flush", _note_changes)
        event.listen(Session, "do_orm_execute", _note_bulk_changes)
        event.listen(Session, "after_commit", _bump_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def add_signing_secret(org_id: int, secret: str, source: str = "manual") -> None:
    """Store a webhook signing secret; at most two stay active (the oldest is retired)."""
    active = db.session.scalars(
        db.select(WebhookSecret).filter_by(org_id=org_id, retired_at=None).order_by(WebhookSecret.id)
    ).all()
    for old in active[:-1] if len(active) >= 2 else []:
        old.retired_at = utcnow()
    db.session.add(WebhookSecret(org_id=org_id, secret=secret, source=source))
    record(org_id, "webhook.secret_added", {"source": source})
