"""Creating, listing and removing an org's users; an org always keeps one admin."""

from sqlalchemy import func

from webapp.audit.services import record
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.models import User
from webapp.models.org import ROLES
from webapp.tenancy import get_in_org


def users_of_org(org_id):
    """The org's users, by email."""
    return db.session.scalars(db.select(User).filter_by(org_id=org_id).order_by(User.email)).all()


def create_user(org_id, email, role, password, name=""):
    """Add a user; the email must be new across PagerBridge (case-insensitive)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise DomainError("Role must be admin or member.", fields={"role": "must be admin or member"})
    if len(password or "") < 10:
        raise DomainError("The password is too short.", fields={"password": "use at least 10 characters"})
    if db.session.scalar(db.select(User.id).where(func.lower(User.email) == email)):
        raise Conflict("A user with this email already exists.", fields={"email": "already in use"})
    user = User(org_id=org_id, email=email, role=role, name=(name or "").strip())
    user.set_password(password)
    db.session.add(user)
    record(org_id, "user.created", {"email": email, "role": role})
    db.session.commit()
    return user


def _user_in_org(org_id, user_id):
    return get_in_org(User, org_id, user_id, "user in your organisation")


def _ensure_another_admin(org_id, user):
    admins = db.session.scalar(db.select(func.count()).select_from(User).filter_by(org_id=org_id, role="admin"))
    if user.role == "admin" and admins <= 1:
        raise Conflict("An organisation needs at least one admin: make someone else admin first.")


def set_role(org_id, user_id, role):
    """Change a user's role; the last admin cannot be demoted."""
    user = _user_in_org(org_id, user_id)
    if role not in ROLES:
        raise DomainError("Role must be admin or member.", fields={"role": "must be admin or member"})
    if role != "admin":
        _ensure_another_admin(org_id, user)
    if user.role != role:
        record(org_id, "user.role_changed", {"email": user.email, "from": user.role, "role": role})
    user.role = role
    db.session.commit()
    return user


def remove_user(org_id, user_id):
    """Remove a user; the last admin cannot be removed."""
    user = _user_in_org(org_id, user_id)
    _ensure_another_admin(org_id, user)
    record(org_id, "user.removed", {"email": user.email})
    db.session.delete(user)
    db.session.commit()
    return user
