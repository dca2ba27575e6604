"""The sla area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("sla", __name__, url_prefix="/settings/sla")
