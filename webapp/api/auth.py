"""Bearer-token authentication for the API."""

from functools import wraps

from flask import g, request

from webapp.api.services import org_id_for_token
from webapp.errors import DomainError


def token_required(view):
    """Resolve `Authorization: Bearer <org token>` into g.org_id, or answer 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        org_id = org_id_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if org_id is None:
            raise DomainError(
                "Send a valid org API token as 'Authorization: Bearer <token>'.", status=401, code="unauthorized"
            )
        g.org_id = org_id
        return view(*args, **kwargs)

    return wrapped
