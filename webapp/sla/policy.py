"""Saving the SLA policy, from the form or `settings import`, validated."""

from webapp.audit.services import record_change
from webapp.extensions import db
from webapp.models import Report
from webapp.models.work import CLOSED_REPORT_STATUSES, REPORT_SEVERITIES
from webapp.orgs.services import settings_for
from webapp.settings_io import Section
from webapp.sla.services import refresh_deadline, sla_policy

MAX_HOURS = 24 * 366


def policy_errors(value):
    """Field errors of an sla_policy document: positive hours (fractions allowed), a percent between 1 and 99,
    and at_risk_hours either null (use the percent) or a positive number of hours."""
    if not isinstance(value, dict):
        return {"": "must be an object"}
    errors = {key: "unknown key" for key in value if key not in ("hours", "at_risk_percent", "at_risk_hours")}
    hours = value.get("hours", {})
    if not isinstance(hours, dict):
        errors["hours"] = "must be an object"
        hours = {}
    for severity, amount in hours.items():
        if severity not in REPORT_SEVERITIES:
            errors[f"hours.{severity}"] = "unknown severity"
        elif isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 < amount <= MAX_HOURS:
            errors[f"hours.{severity}"] = f"must be a positive number of hours (at most {MAX_HOURS})"
    percent = value.get("at_risk_percent", 25)
    if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 1 <= percent <= 99:
        errors["at_risk_percent"] = "must be a number from 1 to 99"
    lead = value.get("at_risk_hours")
    if lead is not None and (isinstance(lead, bool) or not isinstance(lead, (int, float)) or not 0 < lead <= MAX_HOURS):
        errors["at_risk_hours"] = f"must be empty or a positive number of hours (at most {MAX_HOURS})"
    return errors


def save_policy(org_id, value):
    """Store the policy and recompute every open report's deadline."""
    current = sla_policy(org_id)
    settings_for(org_id).sla_policy = after = {
        "hours": {**current["hours"], **value.get("hours", {})},
        "at_risk_percent": value.get("at_risk_percent", current["at_risk_percent"]),
        "at_risk_hours": value.get("at_risk_hours", current["at_risk_hours"]),
    }
    db.session.flush()
    for report in db.session.scalars(
        db.select(Report).where(Report.org_id == org_id, Report.status.not_in(CLOSED_REPORT_STATUSES))
    ):
        refresh_deadline(report)
    record_change(org_id, "sla_policy.updated", current, after)


def exported_policy(org_id):
    """The contract's shape; `at_risk_hours` only appears when the org counts at risk by hours left."""
    policy = sla_policy(org_id)
    return (
        policy if policy["at_risk_hours"] else {"hours": policy["hours"], "at_risk_percent": policy["at_risk_percent"]}
    )


SETTINGS_SECTIONS = (Section("sla_policy", exported_policy, lambda org_id, value: policy_errors(value), save_policy),)
