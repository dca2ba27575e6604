"""Settings → Import/export: the org's settings document downloaded, or uploaded with a preview and applied."""

from flask import Blueprint

bp = Blueprint("transfer", __name__, url_prefix="/settings/transfer")
