"""The alerts area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/settings/alerts")
