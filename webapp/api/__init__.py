"""The JSON API under /api/v1, for detectors and scanners (bearer org token, no CSRF)."""

from flask import Blueprint

from webapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
# Record ids in URLs: a number past the column's range is a 404, not a database error.
ID = "int(max=2147483647)"

from webapp.api import views  # noqa: E402,F401
