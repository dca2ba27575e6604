"""Keyset pages, newest first, behind an opaque cursor: rows added meanwhile never repeat or skip one."""

import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import and_, or_

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inputs import bounded_id, utc_time


def encode_cursor(at, row_id):
    """The cursor that continues after the row created at `at` with this id."""
    raw = json.dumps([at.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """(created at, id) from a cursor, or a 422 naming the cursor: its time and id within the bounds that the
    `updated_since` filters and the `id` converter apply (webapp/inputs.py)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        at = datetime.fromisoformat(at)
        if at.tzinfo is None or bounded_id(row_id) is None:
            raise ValueError(cursor)
        at = utc_time(at)
    except (ValueError, TypeError, RecursionError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            "Some query parameters are not valid.", fields={"cursor": "use the next_cursor of a previous page"}
        ) from None
    return at, row_id


def page_of(query, created, row_id, limit, cursor=None):
    """One page of `query` ordered by (created, id) descending: (rows, next_cursor or None)."""
    if cursor:
        at, last_id = decode_cursor(cursor)
        query = query.where(or_(created < at, and_(created == at, row_id < last_id)))
    rows = db.session.scalars(query.order_by(created.desc(), row_id.desc()).limit(limit + 1)).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, created.key), last.id)
