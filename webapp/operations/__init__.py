"""Settings → Operations: is PagerBridge running, and how are this org's deliveries doing."""

from flask import Blueprint

bp = Blueprint("operations", __name__, url_prefix="/settings/operations")

from webapp.operations import views  # noqa: E402,F401
