"""`oncall` in settings export/import: {"mode": "manual|pagerduty", "schedule": id}."""

from typing import Literal

from webapp.oncall.services import settings_of
from webapp.schemas import PagerDutyId, Strict
from webapp.settings_io import Section


def export_oncall(org_id):
    """Mode and schedule id."""
    settings = settings_of(org_id)
    return {"mode": settings.mode, "schedule": settings.schedule_id}


class OnCallDocument(Strict):
    """Manual, or PagerDuty mode following a schedule."""

    mode: Literal["manual", "pagerduty"]
    schedule: PagerDutyId | None = None


def check_oncall(org_id, value):
    """PagerDuty mode needs a schedule id (given now, or kept from before)."""
    if value["mode"] == "pagerduty" and not (value.get("schedule") or settings_of(org_id).schedule_id):
        return {"schedule": "required in pagerduty mode"}
    return {}


def apply_oncall(org_id, value):
    """Store mode and schedule (the name is filled in by the next look at the schedule list)."""
    settings = settings_of(org_id)
    settings.mode = value["mode"]
    if value.get("schedule") and value["schedule"] != settings.schedule_id:
        settings.schedule_id, settings.schedule_name = value["schedule"], value["schedule"]
        settings.unmatched_email = settings.unmatched_name = None


SETTINGS_SECTIONS = (Section("oncall", export_oncall, OnCallDocument, apply_oncall, check=check_oncall),)
