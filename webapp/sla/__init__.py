"""The sla area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("sla", __name__, url_prefix="/settings/sla")

from webapp.sla import views  # noqa: E402,F401
