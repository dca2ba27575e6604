"""The connection area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("connection", __name__, url_prefix="/settings/pagerduty")
