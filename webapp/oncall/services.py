"""On-call: modes, manual picks and overrides, the PagerDuty schedule sync, assignment of new reports."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func

from webapp.audit.services import record, record_change
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.models import OnCallSettings, Org, Shift, User
from webapp.models.oncall import ONCALL_MODES
from webapp.models.types import utcnow
from webapp.schemas import PagerDutyId, checked, fit
from webapp.tenancy import get_in_org
from webapp.timeline import add_entry

log = logging.getLogger(__name__)


def settings_of(org_id):
    """The org's on-call settings row, created on first use."""
    settings = db.session.get(OnCallSettings, org_id)
    if settings is None:
        settings = OnCallSettings(org_id=org_id)
        db.session.add(settings)
        db.session.flush()
    return settings


def current_shift(org_id, now=None):
    """The shift in force: the newest unended one, unless a manual pick has run out."""
    now = now or utcnow()
    shift = db.session.scalar(
        db.select(Shift).where(Shift.org_id == org_id, Shift.ended_at.is_(None)).order_by(Shift.id.desc()).limit(1)
    )
    if shift is not None and shift.source == "manual" and shift.ends_at and shift.ends_at <= now:
        return None
    return shift


def next_sync_at(org_id):
    """When the schedule sync runs next (PagerDuty mode)."""
    settings = settings_of(org_id)
    period = timedelta(seconds=current_app.config["ONCALL_PERIOD_SECONDS"])
    return (settings.last_sync_at or utcnow()) + period


def _user_in_org(org_id, user_id):
    try:
        return get_in_org(User, org_id, user_id)
    except NotFound:
        raise NotFound("Pick a user of your organisation.", fields={"user_id": "unknown user"}) from None


def start_shift(org_id, user, source, starts_at=None, ends_at=None, pd_user_id=None):
    """End the current shift and put `user` on call."""
    now = utcnow()
    db.session.execute(
        db.update(Shift)
        .where(Shift.org_id == org_id, Shift.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    shift = Shift(
        org_id=org_id,
        user_id=user.id,
        source=source,
        starts_at=starts_at or now,
        ends_at=ends_at,
        pd_user_id=pd_user_id,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def set_manual(org_id, user_id, ends_at=None, actor=None):
    """Manual mode, or an override in PagerDuty mode that lasts until the next sync."""
    user = _user_in_org(org_id, user_id)
    settings = settings_of(org_id)
    if ends_at is not None and ends_at <= utcnow():
        raise DomainError("The end time must be in the future.", fields={"ends_at": "in the past"})
    source = "override" if settings.mode == "pagerduty" else "manual"
    shift = start_shift(org_id, user, source, ends_at=ends_at if source == "manual" else None)
    record(org_id, f"oncall.{source}", {"user": user.email, "ends_at": ends_at.isoformat() if ends_at else None}, actor)
    db.session.commit()
    return shift


def set_mode(org_id, mode, schedule_id=None, schedule_name=None, actor=None):
    """Switch between manual and PagerDuty (a schedule is needed for PagerDuty mode)."""
    if mode not in ONCALL_MODES:
        raise DomainError("Mode must be manual or pagerduty.", fields={"mode": "manual or pagerduty"})
    if schedule_id is not None:
        schedule_id = checked(
            dict[str, PagerDutyId], {"schedule_id": schedule_id}, message="Choose a schedule from the list."
        )["schedule_id"]
    settings = settings_of(org_id)
    before = {"mode": settings.mode, "schedule": settings.schedule_id}
    if mode == "pagerduty" and not (schedule_id or settings.schedule_id):
        raise DomainError("Choose a PagerDuty schedule first.", fields={"schedule_id": "required"})
    settings.mode = mode
    if schedule_id:
        settings.schedule_id = schedule_id
        settings.schedule_name = fit(OnCallSettings.schedule_name, schedule_name or schedule_id)
        settings.unmatched_email = settings.unmatched_name = None
    record_change(org_id, "oncall.mode", before, {"mode": mode, "schedule": settings.schedule_id}, actor)
    db.session.commit()
    return settings


def assign_new_report(report):
    """Assign a new report to whoever is on call, and say so on its timeline."""
    shift = current_shift(report.org_id)
    if shift is None:
        add_entry(report, "report.unassigned", "Nobody is on call: the report is unassigned.")
        return None
    report.assignee_id = shift.user_id
    add_entry(report, "report.assigned", f"Assigned to {shift.user.display_name} (on call, {shift.source}).")
    return shift.user


def user_by_email(org_id, email):
    """The org user with this email, compared case-insensitively."""
    return db.session.scalar(
        db.select(User).where(User.org_id == org_id, func.lower(User.email) == (email or "").strip().lower())
    )


def orgs_in_pagerduty_mode(org_id=None):
    """Org ids whose on-call follows a PagerDuty schedule."""
    query = db.select(OnCallSettings.org_id).where(
        OnCallSettings.mode == "pagerduty", OnCallSettings.schedule_id.isnot(None)
    )
    if org_id is not None:
        query = query.where(OnCallSettings.org_id == org_id)
    return db.session.scalars(query).all()


def sync_all(org_id=None):
    """Sync every org in PagerDuty mode (or one); returns a line per org."""
    # why: the sync reads shifts and users through this module (a cycle inside on-call)
    from webapp.oncall.sync import sync_org

    return [f"{db.session.get(Org, oid).slug}: {sync_org(oid)}" for oid in orgs_in_pagerduty_mode(org_id)] or [
        "no org follows a PagerDuty schedule"
    ]
