"""SLA policy, deadlines and the evaluator (F16, F17)."""
from datetime import timedelta

from webapp.models.work import CLOSED_REPORT_STATUSES
from webapp.orgs.services import settings_for

DEFAULT_HOURS = {"none": 720, "low": 336, "medium": 168, "high": 72, "critical": 24, "super-critical": 8}
DEFAULT_AT_RISK_PERCENT = 25


def sla_policy(org_id):
    """The org's policy: {"hours": {severity: hours}, "at_risk_percent": n}, defaults filled in."""
    stored = settings_for(org_id).sla_policy or {}
    return {"hours": {**DEFAULT_HOURS, **(stored.get("hours") or {})},
            "at_risk_percent": stored.get("at_risk_percent", DEFAULT_AT_RISK_PERCENT)}


def refresh_deadline(report):
    """Recompute a report's SLA deadline from its submission time and current severity (closed: state kept as is)."""
    policy = sla_policy(report.org_id)
    report.sla_deadline = report.submitted_at + timedelta(hours=float(policy["hours"][report.severity]))
    if report.status in CLOSED_REPORT_STATUSES:
        return
    state = state_at(report.submitted_at, report.sla_deadline, policy["at_risk_percent"])
    if state == "ok":
        report.sla_state = "ok"
        return
    from webapp.sla.evaluator import transition_now
    if not transition_now(report, state):
        report.sla_state = state


def state_at(submitted_at, deadline, at_risk_percent, now=None):
    """ok, at_risk or breached for a deadline."""
    from webapp.models.types import utcnow
    now = now or utcnow()
    if now >= deadline:
        return "breached"
    window = (deadline - submitted_at).total_seconds()
    return "at_risk" if (deadline - now).total_seconds() <= window * at_risk_percent / 100 else "ok"


def evaluate_all(org_id=None):
    """One evaluator pass; returns lines describing what it did."""
    from webapp.sla.evaluator import evaluate, summary_lines
    return summary_lines(evaluate(org_id))
