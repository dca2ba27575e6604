"""Users of an org: admins add, remove and set roles."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/settings/users")
