"""Reconciliation: open PagerDuty incidents that went quiet are read back, and what a lost webhook said is applied.

Reports, incidents and war rooms alike: a war room has no status or timeline, so what is read back for it is what its
webhooks would have recorded for response analytics (paged, first acknowledged, resolved, reopened)."""

import logging
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from webapp.alerts.events import war_room_key
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Connection, Incident, Org, Report, Subject, WarRoom
from webapp.models.types import utcnow
from webapp.pagerduty import client
from webapp.pagerduty.accounts import credentials_for
from webapp.pagerduty.client import Credentials
from webapp.webhooks.readback import apply_incident, apply_notes, apply_war_room, describe
from webapp.webhooks.services import alert_keys, parse_time

log = logging.getLogger(__name__)
OPEN = ("triggered", "acknowledged")
QUIET = timedelta(minutes=10)
REOPEN_WATCH = timedelta(days=1)  # resolved ones are read back this long, so a missed reopen is found too
CLOCK_MARGIN = timedelta(minutes=5)
MAX_SPAN = timedelta(days=180)  # PagerDuty's since/until cover at most 6 months
PAGE = 100
OFFSET_WINDOW = 10_000
MAX_CALLS = 200  # per org and run, every 5 minutes: far inside PagerDuty's 960 a minute per key
MAX_GROUPED_LOOKUPS = 20
Watched = Subject | WarRoom


class Budget:
    """REST calls left for one org's run; `take` says whether one more may be made."""

    def __init__(self, calls: int | None = None) -> None:
        self.left, self.used, self.exhausted = calls if calls is not None else MAX_CALLS, 0, False

    def take(self) -> bool:
        if self.left <= 0:
            self.exhausted = True
            return False
        self.left, self.used = self.left - 1, self.used + 1
        return True


def orgs_to_reconcile(org_id: int | None = None) -> Sequence[int]:
    """Ids of the orgs connected with an API token (only they can read incidents back)."""
    query = db.select(Connection.org_id).where(
        Connection.method == "api_token", Connection.state == "connected", Connection.api_token.is_not(None)
    )
    if org_id is not None:
        query = query.where(Connection.org_id == org_id)
    return db.session.scalars(query.order_by(Connection.org_id)).all()


def reconcile_all(org_id: int | None = None) -> list[str]:
    """Reconcile every org connected with an API token (or one); lines saying what was done."""
    org_ids = orgs_to_reconcile(org_id)
    if not org_ids:
        return ["no org connected with an API token: nothing to reconcile"]
    return [line for one in org_ids for line in reconcile_org(one)]


def reconcile_org(org_id: int, now: datetime | None = None) -> list[str]:
    """Read back this org's quiet open PagerDuty incidents and apply what PagerDuty says; lines saying what."""
    now = now or utcnow()
    slug = db.session.get_one(Org, org_id).slug
    subjects = quiet_open_subjects(org_id, now)
    if not subjects:
        return [f"{slug}: no open PagerDuty incident quiet for more than 10 minutes"]
    budget = Budget()
    try:
        found = read_back(org_id, subjects, now, budget)
    except (client.PagerDutyError, DomainError) as error:
        db.session.rollback()
        return [f"{slug}: could not read incidents from PagerDuty: {error}"]
    # In random order: a run cut short by its budget reads other incidents' notes next time.
    by_subject = {
        id(s): _apply(org_id, s, found.get(key_of(s)), now, budget) for s in random.sample(subjects, len(subjects))
    }
    lines = [by_subject[id(subject)] for subject in subjects]
    db.session.commit()
    applied = [line for line in lines if line]
    note = f"; stopped after {budget.used} calls, the rest waits for the next run" if budget.exhausted else ""
    summary = (
        f"{slug}: {len(subjects)} quiet open PagerDuty incidents checked with {budget.used} "
        f"{'call' if budget.used == 1 else 'calls'}: {len(applied)} updated{note}"
    )
    return [summary] + [f"{slug}: {line}" for line in applied]


def quiet_open_subjects(org_id: int, now: datetime) -> list[Watched]:
    """Reports, incidents and war rooms whose PagerDuty incident is open here (or was resolved in the last day) and
    that nothing touched for 10 minutes."""
    subjects: list[Watched] = []
    for model in (Report, Incident):
        watched = db.or_(
            model.pd_status.in_(OPEN), db.and_(model.pd_status == "resolved", model.pd_status_at > now - REOPEN_WATCH)
        )
        subjects += db.session.scalars(
            db.select(model).where(model.org_id == org_id, watched, model.updated_at < now - QUIET).order_by(model.id)
        ).all()
    return subjects + quiet_war_rooms(org_id, now)


def quiet_war_rooms(org_id: int, now: datetime) -> list[WarRoom]:
    """War rooms PagerDuty accepted a trigger for, open as far as their record says (or resolved in the last day), whose
    record nothing changed for 10 minutes (they have no status column: the response times say it)."""
    settled = [
        db.or_(column.is_(None), column < now - QUIET)
        for column in (WarRoom.pd_acknowledged_at, WarRoom.pd_resolved_at, WarRoom.pd_reopened_at)
    ]
    watched = db.or_(WarRoom.pd_resolved_at.is_(None), WarRoom.pd_resolved_at > now - REOPEN_WATCH)
    return list(
        db.session.scalars(
            db.select(WarRoom)
            .where(WarRoom.org_id == org_id, WarRoom.pd_paged_at < now - QUIET, watched, *settled)
            .order_by(WarRoom.id)
        )
    )


def key_of(subject: Watched) -> str:
    """The dedup key the subject's events carry."""
    if isinstance(subject, WarRoom):
        return war_room_key(subject)
    return f"{'report' if isinstance(subject, Report) else 'incident'}-{subject.id}"


def _created(subject: Watched) -> datetime:
    if isinstance(subject, WarRoom):
        return subject.activated_at
    return subject.submitted_at if isinstance(subject, Report) else subject.created_at


def read_back(org_id: int, subjects: list[Watched], now: datetime, budget: Budget) -> dict[str, dict[str, Any]]:
    """PagerDuty's newest incident for each subject's key: {dedup key: incident}.

    One listing of the window the subjects were created in, 100 a page, when that takes fewer calls than asking for
    each key; otherwise one call per key (in random order, so a run cut short by its budget covers others next time).
    """
    credentials = credentials_for(org_id)
    since = min(_created(subject) for subject in subjects) - CLOCK_MARGIN
    window = (
        {"since": _iso(since), "until": _iso(now + CLOCK_MARGIN)} if now - since < MAX_SPAN else {"date_range": "all"}
    )
    if not budget.take():
        return {}
    first = client.rest(
        credentials, "GET", "/incidents", params={**window, "limit": PAGE, "offset": 0, "total": "true"}
    )
    total = first.get("total") or len(first.get("incidents", []))
    pages = math.ceil(total / PAGE)
    if pages <= len(subjects) and total <= OFFSET_WINDOW:
        incidents = _every_page(credentials, window, first, budget)
        if budget.exhausted:  # a partial listing could hold an old incident of a key and miss its newer one
            return {}
        return _match_listing(org_id, subjects, incidents, budget)
    return _by_key(credentials, subjects, budget)


def _every_page(
    credentials: Credentials, window: dict[str, str], first: dict[str, Any], budget: Budget
) -> list[dict[str, Any]]:
    incidents, page, offset = list(first.get("incidents", [])), first, 0
    while page.get("more") and offset + 2 * PAGE <= OFFSET_WINDOW and budget.take():
        offset += PAGE
        page = client.rest(credentials, "GET", "/incidents", params={**window, "limit": PAGE, "offset": offset})
        incidents += page.get("incidents", [])
    return incidents


def _match_listing(
    org_id: int, subjects: list[Watched], incidents: list[dict[str, Any]], budget: Budget
) -> dict[str, dict[str, Any]]:
    keys = {key_of(subject) for subject in subjects}
    by_pd_id = {
        subject.pd_incident_id: key_of(subject)
        for subject in subjects
        if not isinstance(subject, WarRoom) and subject.pd_incident_id
    }
    found: dict[str, dict[str, Any]] = {}
    grouped: list[dict[str, Any]] = []
    for incident in incidents:
        key = (
            incident.get("incident_key")
            if incident.get("incident_key") in keys
            else by_pd_id.get(incident.get("id") or "")
        )
        if key:
            _keep_newest(found, key, incident)
        elif not incident.get("incident_key"):
            grouped.append(incident)
    for incident in grouped[:MAX_GROUPED_LOOKUPS]:  # several alerts, no incident key: their alerts carry ours
        if len(found) == len(keys) or not budget.take():
            break
        for key in set(alert_keys(org_id, incident["id"])) & keys:
            _keep_newest(found, key, incident)
    return found


def _keep_newest(found: dict[str, dict[str, Any]], key: str, incident: dict[str, Any]) -> None:
    """A key can have several PagerDuty incidents over time (a trigger after a resolve opens a new one)."""
    if key not in found or parse_time(incident.get("created_at")) >= parse_time(found[key].get("created_at")):
        found[key] = incident


def _by_key(credentials: Credentials, subjects: list[Watched], budget: Budget) -> dict[str, dict[str, Any]]:
    found = {}
    for subject in random.sample(subjects, len(subjects)):
        if not budget.take():
            break
        answer = client.rest(
            credentials,
            "GET",
            "/incidents",
            params={"incident_key": key_of(subject), "date_range": "all", "sort_by": "created_at:desc", "limit": 1},
        )
        if answer.get("incidents"):
            found[key_of(subject)] = answer["incidents"][0]
    return found


def _apply(org_id: int, subject: Watched, incident: dict[str, Any] | None, now: datetime, budget: Budget) -> str | None:
    """Apply one PagerDuty incident's state and its notes since the last read to its subject; a line when something
    changed."""
    if incident is None:
        return None
    if isinstance(subject, WarRoom):  # no timeline: its notes are read by nobody
        changes = apply_war_room(subject, incident)
    else:
        changes = apply_incident(subject, incident, now) + _notes(org_id, subject, incident, now, budget)
    if not changes:
        return None
    return f"{describe(subject)} {', '.join(changes)} (found by reconciliation)"


def _notes(org_id: int, subject: Subject, incident: dict[str, Any], now: datetime, budget: Budget) -> list[str]:
    if not incident.get("id") or not budget.take():
        return []
    try:
        notes = client.rest(credentials_for(org_id), "GET", f"/incidents/{incident['id']}/notes").get("notes")
    except client.PagerDutyError as error:
        log.warning("could not read notes of PagerDuty incident %s: %s", incident["id"], error)
        return []
    added = apply_notes(subject, notes or [], now)
    return [f"{added} note{'s' if added != 1 else ''} added"] if added else []


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
