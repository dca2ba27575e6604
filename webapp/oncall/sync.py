"""The on-call schedule sync: who is on call now, matched to org users by email."""

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.job_registry import SYNC_ONCALL_ORG
from webapp.models import OnCallSettings, Org
from webapp.models.types import utcnow
from webapp.oncall.pagerduty_api import oncall_entries
from webapp.oncall.services import current_shift, orgs_in_pagerduty_mode, settings_of, start_shift, user_by_email
from webapp.pagerduty import client
from webapp.pagerduty.accounts import credentials_for, mark_auth_failure
from webapp.queues import enqueue
from webapp.schemas import fit


def queue_sync(org_id):
    """Sync the org's on-call in the background now (the id the periodic round uses, so they never stack)."""
    return enqueue(SYNC_ONCALL_ORG, org_id, queue="default", job_id=f"oncall-sync-{org_id}")


def sync_oncall(org_id, now=None):
    """One sync: update the current shift only when the person or the shift changed; returns what happened."""
    now = now or utcnow()
    settings = settings_of(org_id)
    try:
        shifts = oncall_entries(credentials_for(org_id), settings.schedule_id, now)
    except client.PagerDutyError as error:
        if error.is_auth_failure:
            mark_auth_failure(org_id, error.message)
        return _failed(settings, now, f"PagerDuty refused the on-call request: {error.message}")
    except DomainError as error:
        return _failed(settings, now, error.message)
    settings.upcoming = [
        {
            "start": s["start"].isoformat(),
            "end": s["end"].isoformat(),
            "name": s["name"],
            "email": s["email"],
            "matched": user_by_email(org_id, s["email"]) is not None,
        }
        for s in shifts[:50]
    ]
    settings.last_sync_at, settings.last_sync_error = now, None
    outcome = _apply_current(org_id, settings, next((s for s in shifts if s["start"] <= now < s["end"]), None))
    db.session.commit()
    return outcome


def sync_oncall_all(org_id=None):
    """Sync every org in PagerDuty mode (or one) now, in the foreground; returns a line per org."""
    return [f"{db.session.get(Org, oid).slug}: {sync_oncall(oid)}" for oid in orgs_in_pagerduty_mode(org_id)] or [
        "no org follows a PagerDuty schedule"
    ]


def _failed(settings, now, message):
    settings.last_sync_at, settings.last_sync_error = now, message
    db.session.commit()
    return f"kept the current shift: {message}"


def _apply_current(org_id, settings, entry):
    if entry is None:
        return "nobody is on call on the schedule now; kept the current shift"
    user = user_by_email(org_id, entry["email"])
    if user is None:
        settings.unmatched_email = fit(OnCallSettings.unmatched_email, entry["email"] or "(no email)")
        settings.unmatched_name = fit(OnCallSettings.unmatched_name, entry["name"])
        return f"{entry['email']} matches no user; the previous shift stays active"
    settings.unmatched_email = settings.unmatched_name = None
    shift = current_shift(org_id)
    if (
        shift is not None
        and shift.source == "pagerduty"
        and shift.user_id == user.id
        and shift.starts_at == entry["start"]
        and shift.ends_at == entry["end"]
    ):
        return f"{user.email} still on call"
    start_shift(org_id, user, "pagerduty", entry["start"], entry["end"], entry["user_id"])
    return f"{user.email} now on call until {entry['end'].isoformat()}"
