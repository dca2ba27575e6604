"""The SLA policy (defaults filled in) and what it means for a report: its deadline and its state."""

from datetime import datetime, timedelta

from webapp.models.types import utcnow
from webapp.orgs.services import settings_for

DEFAULT_HOURS = {"none": 720, "low": 336, "medium": 168, "high": 72, "critical": 24, "super-critical": 8}
DEFAULT_AT_RISK_PERCENT = 25


def sla_policy(org_id):
    """The org's policy, defaults filled in: {"hours": {severity: hours}, "at_risk_percent": n, "at_risk_hours": h}.

    A report is at risk when `at_risk_hours` or less are left, when that is set; else when `at_risk_percent` of its
    window is left.
    """
    return policy_with_defaults(settings_for(org_id).sla_policy)


def policy_with_defaults(stored):
    """A stored policy (possibly empty or partial) with every default filled in."""
    stored = stored or {}
    return {
        "hours": {**DEFAULT_HOURS, **(stored.get("hours") or {})},
        "at_risk_percent": stored.get("at_risk_percent", DEFAULT_AT_RISK_PERCENT),
        "at_risk_hours": stored.get("at_risk_hours"),
    }


def at_risk_lead_hours(policy, severity):
    """How many hours before its deadline a report of this severity becomes at risk."""
    if policy["at_risk_hours"]:
        return float(policy["at_risk_hours"])
    return float(policy["hours"][severity]) * float(policy["at_risk_percent"]) / 100


def deadline_for(org_id: int, severity: str, submitted_at: datetime) -> datetime:
    """When a report of this severity submitted then is due under the org's policy."""
    return submitted_at + timedelta(hours=float(sla_policy(org_id)["hours"][severity]))


def state_at(deadline, lead_hours, now=None):
    """ok, at_risk (within `lead_hours` of the deadline) or breached."""
    now = now or utcnow()
    if now >= deadline:
        return "breached"
    return "at_risk" if deadline - now <= timedelta(hours=lead_hours) else "ok"
