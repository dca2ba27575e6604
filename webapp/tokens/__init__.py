"""Settings → API tokens: create (shown once), list, revoke."""

from flask import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/settings/tokens")
