"""Running the health check: one org (from the job, the CLI or Check now), or every connected org."""

import logging
import time
from datetime import UTC, datetime

from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.findings import services as findings
from webapp.health import checks
from webapp.jobruns import progress, start_run
from webapp.models import Connection, HealthFinding, JobRun, Org
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for
from webapp.queues import get_redis

log = logging.getLogger(__name__)
LAST_CHECK_KEY = "pagerbridge:health:last-check"


def record_check(org_id):
    """Remember when the org's connection was last checked against PagerDuty (whoever ran the check)."""
    try:
        get_redis().hset(LAST_CHECK_KEY, str(org_id), repr(time.time()))
    except RedisError:
        log.warning("could not record the health check of org %s", org_id)


def last_check(org_id):
    """When the org's connection was last checked against PagerDuty, or None (never, or Redis unreachable)."""
    try:
        value = get_redis().hget(LAST_CHECK_KEY, str(org_id))
    except RedisError:
        return None
    return datetime.fromtimestamp(float(value), UTC) if value else None


def orgs_to_check(org_id=None):
    """Orgs with an API-token connection that is not disconnected (a paused one is checked too)."""
    query = db.select(Connection.org_id).where(Connection.method == "api_token", Connection.state != "disconnected")
    if org_id is not None:
        query = query.where(Connection.org_id == org_id)
    return db.session.scalars(query.order_by(Connection.org_id)).all()


def check_org(org_id, run_id=None):
    """Check the org against PagerDuty and store what stands; returns a summary line."""
    run = db.session.get(JobRun, run_id) if run_id else None
    progress(run, "running", "Checking the token, services, subscription and schedule in PagerDuty…")
    connection = connection_for(org_id)
    if connection is None or connection.method != "api_token" or connection.state == "disconnected":
        progress(run, "done", "Nothing to check: no API-token connection.")
        return "no API-token connection"
    standing = set(db.session.scalars(db.select(HealthFinding.code).filter_by(org_id=org_id)))
    try:
        found = checks.run_checks(org_id, connection, credentials_for(org_id), standing)
        codes = checks.CHECKED_CODES
    except (client.PagerDutyError, DomainError) as error:
        db.session.rollback()
        message = getattr(error, "message", str(error))
        found = [findings.Finding("pagerduty_unreachable", f"PagerDuty could not be checked ({message})", None)]
        codes = ("pagerduty_unreachable",)
    _store(org_id, codes, found)
    record_check(org_id)
    summary = f"{len(found)} findings" if found else "no findings"
    standing_now = [f for f in findings.findings(org_id) if f.counts]
    words = "; ".join(f.message for f in standing_now) or "everything checked delivers"
    progress(run, "done", f"Checked: {words}.", 1)
    return summary


def _store(org_id, codes, found):
    """Store the findings; a check running at the same moment (Check now during the periodic one) may have
    inserted the same row first, so a clash is retried once on top of what it stored."""
    for attempt in (1, 2):
        try:
            findings.replace(org_id, codes, found)
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise


def check_all(org_id=None):
    """`jobs run health`: check one org or every connected one now; a line per org."""
    org_ids = orgs_to_check(org_id)
    if org_id is not None and not org_ids:
        return ["this org has no API-token connection"]
    lines = []
    for each in org_ids:
        slug = db.session.get(Org, each).slug
        check_org(each)
        db.session.expire_all()
        standing = [f.message for f in findings.findings(each) if f.counts]
        lines.append(f"{slug}: " + ("; ".join(standing) if standing else "no findings"))
    return lines


def start_check(org_id):
    """Check now: a JobRun the Overview polls, and the job."""
    if not orgs_to_check(org_id):
        raise DomainError("Connect PagerDuty with an API token to check it.")
    run = start_run(org_id, "health_check", "jobs.health.check_org", total=1)
    db.session.commit()
    return run
