"""The oncall area of PagerBridge."""

from flask import Blueprint

bp = Blueprint("oncall", __name__, url_prefix="/oncall")
