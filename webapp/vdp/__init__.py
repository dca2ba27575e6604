"""The public VDP form per org: researchers submit reports without logging in."""

from flask import Blueprint

bp = Blueprint("vdp", __name__, url_prefix="/vdp")
