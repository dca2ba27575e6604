"""Creating, listing and removing an org's users; an org always keeps one admin, even under concurrent changes."""

from sqlalchemy import func

from webapp.audit.services import record
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.models import User
from webapp.models.org import ROLES
from webapp.tenancy import get_in_org

# The same words whether the address belongs to this org or another: an admin learns nothing about other orgs.
EMAIL_TAKEN = (
    "This email address cannot be used for a new user. If the person is already listed here, change their role "
    "instead; otherwise ask them for another address."
)


def users_of_org(org_id):
    """The org's users, by email."""
    return db.session.scalars(db.select(User).filter_by(org_id=org_id).order_by(User.email)).all()


def create_user(org_id, email, role, password, name=""):
    """Add a user; the email must be new across PagerBridge (case-insensitive), refused in the same words if not."""
    email = email.strip().lower()
    if role not in ROLES:
        raise DomainError("Role must be admin or member.", fields={"role": "must be admin or member"})
    if len(password or "") < 10:
        raise DomainError("The password is too short.", fields={"password": "use at least 10 characters"})
    if db.session.scalar(db.select(User.id).where(func.lower(User.email) == email)):
        raise Conflict(EMAIL_TAKEN, fields={"email": EMAIL_TAKEN})
    user = User(org_id=org_id, email=email, role=role, name=(name or "").strip())
    user.set_password(password)
    db.session.add(user)
    record(org_id, "user.created", {"email": email, "role": role})
    db.session.commit()
    return user


def _lock_admins(org_id):
    """Lock the org's admin rows until commit (PostgreSQL: FOR UPDATE, in id order) and return their ids.

    Two admins demoting or removing each other at once then take turns: the second sees the first's change and
    is refused, so the org never ends without an admin.
    """
    query = db.select(User.id).filter_by(org_id=org_id, role="admin").order_by(User.id).with_for_update()
    return set(db.session.scalars(query).all())


def _user_in_org(org_id, user_id):
    return get_in_org(User, org_id, user_id, "user in your organisation", fresh=True)


def _ensure_another_admin(admin_ids, user):
    if user.id in admin_ids and len(admin_ids) <= 1:
        raise Conflict("An organisation needs at least one admin: make someone else admin first.")


def set_role(org_id, user_id, role):
    """Change a user's role; the last admin cannot be demoted."""
    if role not in ROLES:
        raise DomainError("Role must be admin or member.", fields={"role": "must be admin or member"})
    try:
        admin_ids = _lock_admins(org_id)
        user = _user_in_org(org_id, user_id)
        if role != "admin":
            _ensure_another_admin(admin_ids, user)
        if user.role != role:
            record(org_id, "user.role_changed", {"email": user.email, "from": user.role, "role": role})
        user.role = role
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return user


def remove_user(org_id, user_id):
    """Remove a user; the last admin cannot be removed."""
    try:
        admin_ids = _lock_admins(org_id)
        user = _user_in_org(org_id, user_id)
        _ensure_another_admin(admin_ids, user)
        record(org_id, "user.removed", {"email": user.email})
        db.session.delete(user)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return user


def set_operator(email, granted):
    """Grant or take away the operator role (the deployment-wide Operations view); the CLI is the only caller."""
    user = find_user_by_email(email)
    if user is None:
        raise NotFound(f"No user with the email {email}.")
    user.is_operator = granted
    record(user.org_id, "user.operator_granted" if granted else "user.operator_revoked", {"email": user.email}, "cli")
    db.session.commit()
    return user


def find_user_by_email(email):
    """The user with this email, compared case-insensitively."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.strip().lower()))
