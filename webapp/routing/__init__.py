"""The routing area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("routing", __name__, url_prefix="/settings/routing")

from webapp.routing import views  # noqa: E402,F401
