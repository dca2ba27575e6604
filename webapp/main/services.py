"""Dashboard figures and readiness checks."""

from redis.exceptions import RedisError
from sqlalchemy import func, text

from webapp.extensions import db
from webapp.models import Delivery, Incident, Report, Shift
from webapp.models.report import CLOSED_REPORT_STATUSES
from webapp.queues import get_redis
from webapp.routing.resolve import DISCONNECTED_LABEL


def dashboard_summary(org_id):
    """What needs attention in the org right now."""
    open_reports = (
        db.select(func.count())
        .select_from(Report)
        .where(Report.org_id == org_id, Report.status.not_in(CLOSED_REPORT_STATUSES))
    )
    sla_counts = dict(
        db.session.execute(
            db.select(Report.sla_state, func.count())
            .where(Report.org_id == org_id, Report.status.not_in(CLOSED_REPORT_STATUSES))
            .group_by(Report.sla_state)
        ).all()
    )
    open_incidents = (
        db.select(func.count()).select_from(Incident).where(Incident.org_id == org_id, Incident.status != "resolved")
    )
    delivery_counts = _delivery_counts(org_id)
    on_call = db.session.scalar(
        db.select(Shift).where(Shift.org_id == org_id, Shift.ended_at.is_(None)).order_by(Shift.id.desc()).limit(1)
    )
    return {
        "open_reports": db.session.scalar(open_reports),
        "at_risk": sla_counts.get("at_risk", 0),
        "breached": sla_counts.get("breached", 0),
        "open_incidents": db.session.scalar(open_incidents),
        "deliveries": delivery_counts,
        "on_call": on_call,
        "recent_reports": db.session.scalars(
            db.select(Report).where(Report.org_id == org_id).order_by(Report.id.desc()).limit(5)
        ).all(),
        "recent_incidents": db.session.scalars(
            db.select(Incident).where(Incident.org_id == org_id).order_by(Incident.id.desc()).limit(5)
        ).all(),
    }


def _delivery_counts(org_id):
    """Deliveries by status; those not sent because PagerDuty was disconnected are counted apart from "no route"."""
    unsent = (Delivery.status == "no_route") & (Delivery.target_label == DISCONNECTED_LABEL)
    shown = db.case((unsent, "not_sent_disconnected"), else_=Delivery.status)
    return dict(
        db.session.execute(db.select(shown, func.count()).where(Delivery.org_id == org_id).group_by(shown)).all()
    )


def readiness():
    """Whether the database and Redis answer: {name: (ok, detail)}."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = (True, "ok")
    except Exception as exc:  # noqa: BLE001 - any driver error means not ready
        db.session.rollback()
        checks["database"] = (False, type(exc).__name__)
    try:
        get_redis().ping()
        checks["redis"] = (True, "ok")
    except (RedisError, OSError) as exc:
        checks["redis"] = (False, type(exc).__name__)
    return checks
