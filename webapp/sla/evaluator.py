"""The SLA evaluator: set-based passes that fire at-risk and breach once per report, and the war room."""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, func, insert, or_, update
from sqlalchemy.exc import IntegrityError

from webapp.alerts import events
from webapp.extensions import db
from webapp.models import Org, OrgSettings, Report, TimelineEntry, WarRoom
from webapp.models.report import CLOSED_REPORT_STATUSES
from webapp.models.types import utcnow
from webapp.sla.policy import at_risk_lead_hours, deadline_for, policy_with_defaults, sla_policy, state_at
from webapp.timeline import add_entry

OPEN = Report.status.not_in(CLOSED_REPORT_STATUSES)
MESSAGES = {
    "at_risk": "SLA at risk: the deadline is near ({deadline}).",
    "breached": "SLA breached: the deadline passed ({deadline}).",
}


def _policies(org_id=None):
    """{policy key: [org ids]} so orgs sharing a policy share one statement; the key is (severity, lead hours)s."""
    query = db.select(OrgSettings.org_id, OrgSettings.sla_policy)
    if org_id is not None:
        query = query.where(OrgSettings.org_id == org_id)
    groups = defaultdict(list)
    for oid, stored in db.session.execute(query):
        policy = policy_with_defaults(stored)
        leads = tuple(sorted((severity, at_risk_lead_hours(policy, severity)) for severity in policy["hours"]))
        groups[leads].append(oid)
    return groups


def _mark(condition, state, fired_column, now):
    """Move matching reports to `state` once (the fired column guards against doubles); returns their ids."""
    statement = (
        update(Report)
        .where(condition, OPEN, fired_column.is_(None))
        .values({Report.sla_state: state, fired_column: now})
        .returning(Report.id)
        .execution_options(synchronize_session=False)
    )
    return list(db.session.scalars(statement))


def _at_risk_condition(leads, org_ids, now):
    by_severity = [
        and_(Report.severity == severity, Report.sla_deadline <= now + timedelta(hours=lead))
        for severity, lead in leads
    ]
    return and_(
        Report.org_id.in_(org_ids), Report.sla_deadline > now, Report.sla_breached_fired_at.is_(None), or_(*by_severity)
    )


def evaluate(org_id=None, now=None):
    """One pass: transitions, their timeline entries and alerts, then war rooms; returns what happened."""
    now = now or utcnow()
    scope = Report.org_id == org_id if org_id is not None else True
    breached = _mark(and_(scope, Report.sla_deadline <= now), "breached", Report.sla_breached_fired_at, now)
    at_risk = []
    for leads, org_ids in _policies(org_id).items():
        at_risk += _mark(_at_risk_condition(leads, org_ids, now), "at_risk", Report.sla_at_risk_fired_at, now)
    _announce(at_risk, "at_risk", "sla_at_risk", now)
    _announce(breached, "breached", "sla_breached", now)
    db.session.commit()
    rooms = update_war_rooms(org_id)
    return {"at_risk": at_risk, "breached": breached, **rooms}


def _announce(report_ids, state, event_type, now):
    """Timeline entries and alerts for a pass's transitions, a thousand reports per round of statements."""
    for start in range(0, len(report_ids), 1000):
        reports = db.session.scalars(db.select(Report).where(Report.id.in_(report_ids[start : start + 1000]))).all()
        db.session.execute(
            insert(TimelineEntry),
            [
                {
                    "org_id": r.org_id,
                    "report_id": r.id,
                    "kind": f"sla.{state}",
                    "at": now,
                    "message": _message(state, r),
                }
                for r in reports
            ],
        )
        events.on_sla_transitions(reports, event_type)


def _message(state, report):
    return MESSAGES[state].format(deadline=report.sla_deadline.strftime("%Y-%m-%d %H:%M UTC"))


def transition_now(report, state, now=None):
    """Fire one report's transition at once (a re-assessment that moves it), unless it already fired."""
    column = "sla_breached_fired_at" if state == "breached" else "sla_at_risk_fired_at"
    if getattr(report, column) is not None or (state == "at_risk" and report.sla_breached_fired_at):
        return False
    setattr(report, column, now or utcnow())
    report.sla_state = state
    add_entry(report, f"sla.{state}", _message(state, report))
    (events.on_sla_breached if state == "breached" else events.on_sla_at_risk)(report)
    return True


def refresh_deadline(report):
    """Recompute a report's SLA deadline from its submission time and current severity (closed: state kept as is)."""
    policy = sla_policy(report.org_id)
    report.sla_deadline = deadline_for(report.org_id, report.severity, report.submitted_at)
    if report.status in CLOSED_REPORT_STATUSES:
        return
    state = state_at(report.sla_deadline, at_risk_lead_hours(policy, report.severity))
    if state == "ok":
        report.sla_state = "ok"
        return

    if not transition_now(report, state):
        report.sla_state = state


def attention_counts(org_id=None):
    """{org id: [report ids at risk or breached]} for open reports."""
    query = db.select(Report.org_id, Report.id).where(OPEN, Report.sla_state.in_(("at_risk", "breached")))
    if org_id is not None:
        query = query.where(Report.org_id == org_id)
    found = defaultdict(list)
    for oid, rid in db.session.execute(query.order_by(Report.id)):
        found[oid].append(rid)
    return found


def update_war_rooms(org_id=None):
    """Activate a war room where 2+ reports need attention, end it where fewer remain (each once)."""
    attention = attention_counts(org_id)
    query = db.select(WarRoom).where(WarRoom.ended_at.is_(None))
    if org_id is not None:
        query = query.where(WarRoom.org_id == org_id)
    active = {room.org_id: room for room in db.session.scalars(query)}
    activated, ended = [], []
    for oid, report_ids in attention.items():
        if len(report_ids) >= 2 and oid not in active:
            room = _activate(oid, report_ids)
            if room:
                activated.append(room)
        elif oid in active and active[oid].report_ids != report_ids and len(report_ids) >= 2:
            active[oid].report_ids = report_ids
    for oid, room in active.items():
        if len(attention.get(oid, [])) < 2 and _end(room):
            ended.append(room)
    db.session.commit()
    return {"war_rooms_activated": activated, "war_rooms_ended": ended}


def _activate(org_id, report_ids):
    number = (db.session.scalar(db.select(func.max(WarRoom.number)).filter_by(org_id=org_id)) or 0) + 1
    room = WarRoom(org_id=org_id, number=number, report_ids=report_ids, activated_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(room)
            db.session.flush()
    except IntegrityError:
        return None  # another evaluator activated it first
    events.on_war_room_activated(room)
    return room


def _end(room):
    result = db.session.execute(
        update(WarRoom)
        .where(WarRoom.id == room.id, WarRoom.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    events.on_war_room_ended(room)
    return True


def summary_lines(result, org_names=None):
    """What a pass did, for `jobs run sla`."""
    lines = [f"{len(result['at_risk'])} reports now at risk, {len(result['breached'])} breached"]
    lines += [
        f"war room #{r.number} activated for {db.session.get(Org, r.org_id).slug}"
        for r in result["war_rooms_activated"]
    ]
    lines += [f"war room #{r.number} ended for {db.session.get(Org, r.org_id).slug}" for r in result["war_rooms_ended"]]
    return lines
