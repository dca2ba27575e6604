"""Response analytics: how fast the team is paged, acknowledges and resolves (F48)."""

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
