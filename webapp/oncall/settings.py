"""`oncall` in settings export/import: {"mode": "manual|pagerduty", "schedule": id}."""

import re

from webapp.oncall.services import settings_of
from webapp.settings_io import Section

PD_ID = re.compile(r"^[A-Z0-9]{2,32}$")


def export_oncall(org_id):
    """Mode and schedule id."""
    settings = settings_of(org_id)
    return {"mode": settings.mode, "schedule": settings.schedule_id}


def validate_oncall(org_id, value):
    """PagerDuty mode needs a schedule id."""
    if not isinstance(value, dict):
        return {"": "must be an object"}
    errors = {key: "unknown key" for key in value if key not in ("mode", "schedule")}
    if value.get("mode") not in ("manual", "pagerduty"):
        errors["mode"] = "must be manual or pagerduty"
    schedule = value.get("schedule")
    if schedule is not None and (not isinstance(schedule, str) or not PD_ID.match(schedule)):
        errors["schedule"] = "must be a PagerDuty schedule id"
    if value.get("mode") == "pagerduty" and not (schedule or settings_of(org_id).schedule_id):
        errors["schedule"] = "required in pagerduty mode"
    return errors


def apply_oncall(org_id, value):
    """Store mode and schedule (the name is filled in by the next look at the schedule list)."""
    settings = settings_of(org_id)
    settings.mode = value["mode"]
    if value.get("schedule") and value["schedule"] != settings.schedule_id:
        settings.schedule_id, settings.schedule_name = value["schedule"], value["schedule"]
        settings.unmatched_email = settings.unmatched_name = None


SETTINGS_SECTIONS = (Section("oncall", export_oncall, validate_oncall, apply_oncall),)
