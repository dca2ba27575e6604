"""Authentication: password checks with lock-out after repeated failures."""

from datetime import timedelta

from sqlalchemy import func

from webapp.extensions import db
from webapp.models import User
from webapp.models.types import utcnow
from webapp.ratelimit import allow

MAX_FAILURES = 5
LOCK_MINUTES = 15
ATTEMPTS_PER_ADDRESS_PER_MINUTE = 20


class LoginRefused(Exception):
    """Login did not succeed; the message is safe to show."""


def load_user(user_id):
    """Flask-Login's loader."""
    return db.session.get(User, int(user_id)) if str(user_id).isdigit() else None


def find_user_by_email(email):
    """The user with this email, compared case-insensitively."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email, password, remote_addr):
    """The user for these credentials, or LoginRefused; failures count toward a temporary lock."""
    if not allow(f"login:{remote_addr}", ATTEMPTS_PER_ADDRESS_PER_MINUTE, 60):
        raise LoginRefused("Too many sign-in attempts from your network. Wait a minute and try again.")
    user = find_user_by_email(email)
    now = utcnow()
    if user and user.locked_until and user.locked_until > now:
        raise LoginRefused("This account is locked after repeated failed sign-ins. Try again in a few minutes.")
    if not user or not user.check_password(password):
        if user:
            register_failure(user, now)
        raise LoginRefused("That email and password do not match.")
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


def change_password(user_id, current_password, new_password):
    """Replace a user's password after checking the current one."""
    user = db.session.get(User, user_id)
    if not user.check_password(current_password):
        raise LoginRefused("The current password is not right.")
    user.set_password(new_password)
    db.session.commit()
    return user
