"""Org API tokens: issued once in plaintext, stored as a hash."""

import secrets

from webapp.extensions import db
from webapp.models import ApiToken, Org
from webapp.models.org import hash_token
from webapp.models.types import utcnow
from webapp.sessions import held

TOKEN_PREFIX = "pb_"


def create_token(org_id, label=""):
    """Issue a new token for the org and return its plaintext (shown once, never stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(org_id=org_id, token_hash=hash_token(token), prefix=token[:8], label=label))
    db.session.commit()
    return token


def org_id_for_token(token):
    """The org id a live token belongs to, or None."""
    if not token:
        return None
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
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        api_token.last_used_at = now
        db.session.commit()
    return api_token.org_id
