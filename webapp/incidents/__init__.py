"""The incidents area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
