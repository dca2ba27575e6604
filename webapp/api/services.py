"""Org API tokens: issued once in plaintext, stored as a hash, named, listed and revoked."""

import secrets
from datetime import timedelta

from webapp.audit.services import record
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.models import ApiToken, Org
from webapp.models.org import hash_token
from webapp.models.types import utcnow
from webapp.unit_of_work import held

TOKEN_PREFIX = "pb_"
# last_used_at is a hint, not an audit trail: one write a minute per token at most, not one per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def create_token(org_id, name="", actor=None):
    """Issue a new token for the org and return its plaintext (shown once, never stored)."""
    name = (name or "").strip()
    if len(name) > 100:
        raise DomainError("The name is too long.", fields={"name": "at most 100 characters"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(org_id=org_id, token_hash=hash_token(token), prefix=token[:8], name=name)
    db.session.add(api_token)
    db.session.flush()
    record(org_id, "api_token.created", {"id": api_token.id, "name": name}, actor=actor)
    db.session.commit()
    return token


def tokens_of(org_id):
    """The org's tokens, newest first (revoked ones too)."""
    return db.session.scalars(
        db.select(ApiToken).filter_by(org_id=org_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def revoke_token(org_id, token_id, actor=None):
    """Revoke one of the org's tokens: its next call answers 401 (nothing caches tokens)."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.org_id != org_id:
        raise NotFound("No such API token in this org.")
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        record(org_id, "api_token.revoked", {"id": api_token.id, "name": api_token.name}, actor=actor)
        db.session.commit()
    return api_token


def token_in_use(token):
    """(token id, org id) of a live token, or None; notes when it was last used, once a minute at most."""
    found = db.session.execute(
        db.select(ApiToken, Org)
        .join(Org, Org.id == ApiToken.org_id)
        .filter(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    api_token, org = found
    held(org)  # alert payloads name the org: no second read
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
        db.session.execute(
            db.update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    return api_token.id, api_token.org_id
