"""Org API tokens: issued once in plaintext, stored as a hash, named, listed and revoked."""

import secrets
from datetime import timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy.orm import load_only

from webapp.audit.services import record
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.incidents.route_sql import RouteRows, join_route, params_of, rows_of, variant_of
from webapp.models import ApiToken, Connection, Org, OrgSettings
from webapp.models.org import hash_token
from webapp.models.types import utcnow
from webapp.pagerduty.accounts import remember_connection
from webapp.reports.create_sql import ReportRows, join_read
from webapp.reports.create_sql import rows_of as report_rows_of
from webapp.unit_of_work import held

TOKEN_PREFIX = "pb_"
# last_used_at is a hint, not an audit trail: one write a minute per token at most, not one per request.
LAST_USED_PRECISION = timedelta(minutes=1)
# Every API call runs one of these: built once (SQLAlchemy then reuses their cache key and compiled form).
LIVE_TOKEN = (
    db.select(ApiToken.id, ApiToken.last_used_at, Org)
    .join(Org, Org.id == ApiToken.org_id)
    .where(ApiToken.token_hash == db.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)
LIVE_TOKEN_WITH_ORG_CONFIG = (
    LIVE_TOKEN.add_columns(OrgSettings, Connection)
    .outerjoin(OrgSettings, OrgSettings.org_id == Org.id)
    .outerjoin(Connection, Connection.org_id == Org.id)
)
# What creating an incident reads of the org, its settings and connection (the slug names the source, the rest
# routes and filters); the rest stays unloaded (psycopg describes every column of every row: ~25 fewer here).
CREATE_INCIDENT_COLUMNS = (
    load_only(Org.slug),
    load_only(OrgSettings.incident_notifications, OrgSettings.severity_mapping),
    load_only(
        Connection.method,
        Connection.state,
        Connection.routing_key,
        Connection.integration_key,
        Connection.service_name,
    ),
)


class TokenFound(NamedTuple):
    """A live token's id and org, and what the incident or report being created needs when it was read along."""

    token_id: int
    org_id: int
    route: RouteRows | None = None
    report: ReportRows | None = None


def create_token(org_id, name="", actor=None):
    """Issue a new token for the org and return its plaintext (shown once, never stored)."""
    name = (name or "").strip()
    if len(name) > 100:
        raise DomainError("The name is too long.", fields={"name": "at most 100 characters"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(org_id=org_id, token_hash=hash_token(token), prefix=token[:8], name=name)
    db.session.add(api_token)
    db.session.flush()
    record(org_id, "api_token.created", {"id": api_token.id, "name": name}, actor=actor)
    db.session.commit()
    return token


def tokens_of(org_id):
    """The org's tokens, newest first (revoked ones too)."""
    return db.session.scalars(
        db.select(ApiToken).filter_by(org_id=org_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def revoke_token(org_id, token_id, actor=None):
    """Revoke one of the org's tokens: its next call answers 401 (nothing caches tokens)."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.org_id != org_id:
        raise NotFound("No such API token in this org.")
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        record(org_id, "api_token.revoked", {"id": api_token.id, "name": api_token.name}, actor=actor)
        db.session.commit()
    return api_token


def token_in_use(
    token: str, with_org_config: bool = False, route_probe: tuple | None = None, report_read: bool = False
) -> TokenFound | None:
    """(token id, org id) of a live token, or None; notes when it was last used, once a minute at most.

    With `with_org_config` (a request that may page PagerDuty), the same statement reads the org's settings and
    PagerDuty connection, which the unit of work then finds without reading them again (nothing is cached across
    requests: a revoked token, changed settings or a new connection count from the next request on). With
    `route_probe` (POST /incidents: see `route_sql.probe_of`), it reads the new incident's route too; with
    `report_read` (POST /reports), what a new report needs (`reports.create_sql.join_read`).
    """
    query = LIVE_TOKEN_WITH_ORG_CONFIG if with_org_config else LIVE_TOKEN
    params = {"token_hash": hash_token(token)}
    if with_org_config and route_probe is not None:
        query = _with_route(variant_of(route_probe))
        params.update(params_of(route_probe))
    elif with_org_config and report_read:
        query = _with_report_read()
    found = db.session.execute(query, params).first()
    if found is None:
        return None
    token_id, last_used_at, org = found[:3]
    held(org)  # alert payloads name the org: no second read
    if with_org_config:
        held(found[3])
        remember_connection(org.id, found[4])
    now = utcnow()
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        db.session.execute(
            db.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    route = rows_of(found, route_probe) if with_org_config and route_probe is not None else None
    report = report_rows_of(found) if with_org_config and route_probe is None and report_read else None
    return TokenFound(token_id, org.id, route, report)


def _with_report_read() -> Any:
    """The token's statement with the org's settings, connection and what a new report needs."""
    return _token_with_report_read(db.session.get_bind().dialect.name)


def _with_route(variant: str) -> Any:
    """The token's statement with the org's settings, connection and an incident's route."""
    return _token_with_route(db.session.get_bind().dialect.name, variant)


@cache  # built once per shape: SQLAlchemy then finds its compiled form by its cache key
def _token_with_report_read(dialect: str) -> Any:
    return join_read(LIVE_TOKEN_WITH_ORG_CONFIG, Org.id, dialect)


@cache
def _token_with_route(dialect: str, variant: str) -> Any:
    return join_route(LIVE_TOKEN_WITH_ORG_CONFIG.options(*CREATE_INCIDENT_COLUMNS), Org.id, dialect, variant)
