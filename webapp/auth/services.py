"""Authentication: password checks that look alike for every email, lock-out, and sessions that can be voided."""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from functools import cache

from redis.exceptions import RedisError
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.inputs import parse_id
from webapp.models import User
from webapp.models.types import utcnow
from webapp.queues import get_redis
from webapp.users.services import find_user_by_email

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_MINUTES = 15
UNKNOWN_FAILURES_KEPT_SECONDS = 24 * 3600  # failures of a known account count until a success, so keep these long
NO_MATCH = "That email and password do not match."
LOCKED = "This account is locked after repeated failed sign-ins. Try again in a few minutes."


class LoginRefused(Exception):
    """Login did not succeed; the message is safe to show."""


def load_user(session_id):
    """Flask-Login's loader: `<id>:<session secret>`; a session issued before a sign-out or new password is void, and
    so is one naming an id whose user is gone (a new user never has the old one's secret)."""
    user_id, _, secret = str(session_id).partition(":")
    user_id = parse_id(user_id)
    if user_id is None or not secret:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.session_secret:
        return None
    return user if hmac.compare_digest(user.session_secret.encode(), secret.encode("utf-8", "replace")) else None


@cache
def _dummy_hash():
    """A hash of nothing anyone knows, checked for unknown emails so they take as long as known ones."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(email, password):
    """The user for these credentials, or LoginRefused.

    Known and unknown emails cost one password hash each, give the same messages and lock alike after repeated
    failures, so the answer says nothing about who has an account.
    """
    user = find_user_by_email(email)
    now = utcnow()
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None:
        raise _unknown_email_refusal(email)
    if user.locked_until and user.locked_until > now:
        raise LoginRefused(LOCKED)
    if not matches:
        register_failure(user, now)
        raise LoginRefused(NO_MATCH)
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    return user


def register_failure(user, now):
    """Count a failed password; lock the account for a while after too many."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    db.session.commit()


def _unknown_email_refusal(email):
    """The refusal for an email with no account, as for a known one: failures counted, 'locked' after as many."""
    key = "login-unknown:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()
    try:
        redis = get_redis()
        if redis.exists(key + ":locked"):
            return LoginRefused(LOCKED)
        pipe = redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, UNKNOWN_FAILURES_KEPT_SECONDS)
        failures, _ = pipe.execute()
        if failures >= MAX_FAILURES:
            redis.set(key + ":locked", 1, ex=LOCK_MINUTES * 60)
            redis.delete(key)
    except RedisError as exc:
        log.warning("unknown-email lock skipped, Redis unavailable: %s", exc)
    return LoginRefused(NO_MATCH)


def end_sessions(user_id):
    """Sign a user out everywhere: every session and remember cookie issued so far stops working."""
    user = db.session.get(User, user_id)
    user.end_sessions()
    db.session.commit()
    return user


def change_password(user_id, current_password, new_password):
    """Replace a user's password after checking the current one; every other session of the user ends."""
    user = db.session.get(User, user_id)
    if not user.check_password(current_password):
        raise LoginRefused("The current password is not right.")
    user.set_password(new_password)
    user.end_sessions()
    db.session.commit()
    return user
