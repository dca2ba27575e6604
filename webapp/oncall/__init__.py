"""The oncall area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("oncall", __name__, url_prefix="/oncall")

from webapp.oncall import views  # noqa: E402,F401
