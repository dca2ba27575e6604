"""The routing area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("routing", __name__, url_prefix="/settings/routing")
