"""Prometheus metrics: GET /metrics behind a bearer token, counted in Redis so every process and dyno adds up."""

from flask import Blueprint

bp = Blueprint("metrics", __name__)
