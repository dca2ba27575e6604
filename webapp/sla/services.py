"""SLA services: saving the policy (from the form or `settings import`, validated) and running the evaluator."""

import time
from typing import Annotated

from flask import url_for
from pydantic import Field, create_model

from webapp.audit.services import record_change
from webapp.counters import record_sla_pass
from webapp.extensions import db
from webapp.models import Report, WarRoom
from webapp.models.report import CLOSED_REPORT_STATUSES, REPORT_SEVERITIES
from webapp.orgs.services import settings_for
from webapp.schemas import Number, Strict
from webapp.settings_io import Section, section_errors
from webapp.sla.evaluator import evaluate, refresh_deadline, summary_lines
from webapp.sla.policy import sla_policy

MAX_HOURS = 24 * 366


HOURS_MESSAGE = f"must be a positive number of hours (at most {MAX_HOURS})"
Hours = Annotated[Number, Field(gt=0, le=MAX_HOURS)]
SlaHours = create_model(
    "SlaHours",
    __base__=Strict,
    **{severity.replace("-", "_"): (Hours, Field(None, alias=severity)) for severity in REPORT_SEVERITIES},
)


class SlaPolicy(Strict):
    """Hours allowed per severity, and when a report counts as at risk: `at_risk_hours` left (when set), else
    `at_risk_percent` of its window left."""

    hours: SlaHours = None
    at_risk_percent: Annotated[Number, Field(ge=1, le=99)] = None
    at_risk_hours: Hours | None = None


MESSAGES = {
    "hours": HOURS_MESSAGE,
    "at_risk_percent": "must be a number from 1 to 99",
    "at_risk_hours": f"must be empty or a positive number of hours (at most {MAX_HOURS})",
}


def policy_errors(value):
    """Field errors of an sla_policy document (the form's and settings import's)."""
    return section_errors(SETTINGS_SECTIONS[0], None, value)[1]


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


SETTINGS_SECTIONS = (Section("sla_policy", exported_policy, SlaPolicy, save_policy, messages=MESSAGES),)


def evaluate_all(org_id=None):
    """One evaluator pass; returns lines describing what it did."""
    started = time.perf_counter()
    outcome = evaluate(org_id)
    if org_id is None:
        record_sla_pass(time.perf_counter() - started)
    return summary_lines(outcome)


def war_room_banner(org_id):
    """While a war room is active, every page of the org lists its reports."""
    room = db.session.scalar(db.select(WarRoom).filter_by(org_id=org_id, ended_at=None))
    if room is None:
        return []
    titles = db.session.execute(db.select(Report.id, Report.title).where(Report.id.in_(room.report_ids or []))).all()
    listed = "; ".join(f"#{rid} {title}" for rid, title in titles[:8])
    return [
        {
            "level": "danger",
            "kind": "war-room",
            "link": url_for("reports.index", sla="attention"),
            "link_label": "Open the reports",
            "message": f"War room #{room.number} active: {len(titles)} reports at risk or breached ({listed}).",
        }
    ]
