"""The deliveries area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("deliveries", __name__, url_prefix="/settings/deliveries")
