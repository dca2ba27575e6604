"""Org scoping and role checks shared by every area."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from webapp.extensions import db


def current_org_id():
    """The logged-in user's org id."""
    return current_user.org_id


def get_in_org(model, record_id, org_id=None):
    """The record with this id in the org, or 404: another org's record does not exist for you."""
    record = db.session.get(model, record_id)
    if record is None or record.org_id != (org_id if org_id is not None else current_org_id()):
        abort(404)
    return record


def admin_required(view):
    """Log in, then refuse members with 403."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
