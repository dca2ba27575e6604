"""The JSON API under /api/v1, for detectors and scanners (bearer org token, no CSRF)."""

from flask import Blueprint

from webapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
