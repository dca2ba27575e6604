"""Org scoping, role checks and the search box's match, shared by every area."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import or_

from webapp.errors import NotFound
from webapp.extensions import db


def get_in_org(model, org_id, record_id, what=None, fresh=False, **fields):
    """The org's row with this id, or NotFound: another org's row does not exist for you.

    `fresh` reads the row again even when the session holds it (after taking a lock, say).
    """
    record = db.session.get(model, record_id, populate_existing=fresh) if record_id else None
    if record is None or record.org_id != org_id:
        raise NotFound(f"No such {what or model.__name__.lower()}.", fields=fields or None)
    return record


def contains_any(text, *columns, also=()):
    """The condition of a search box: any of `columns` contains `text` (case-insensitive), or any of `also` holds."""
    like = f"%{text.strip()}%"
    return or_(*(column.ilike(like) for column in columns), *also)


def admin_required(view):
    """Log in, then refuse members with 403."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True  # /settings and the 403 page read it to say who may see a page
    return wrapped
