"""Dashboard and health endpoints."""

from flask import Blueprint

bp = Blueprint("main", __name__)
