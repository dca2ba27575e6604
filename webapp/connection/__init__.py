"""The connection area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("connection", __name__, url_prefix="/settings/pagerduty")

from webapp.connection import views  # noqa: E402,F401
