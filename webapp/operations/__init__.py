"""Settings → Operations: is PagerBridge running, and how are this org's deliveries doing."""

from flask import Blueprint

bp = Blueprint("operations", __name__, url_prefix="/settings/operations")
