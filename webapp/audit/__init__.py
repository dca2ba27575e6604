"""Audit log area: who changed which setting, and when."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/settings/audit")
