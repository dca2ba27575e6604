"""The API's declared response bodies, for its OpenAPI description and the tests that hold answers to it."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from webapp.api.schemas import IncidentKind, IncidentSeverity, IncidentStatus, Provider, ReportSeverity, ReportStatus
from webapp.models.mirror import PAGERDUTY_STATUSES, PAGERDUTY_URGENCIES
from webapp.models.report import SLA_STATES


class TimelineEntry(BaseModel):
    """One line of a timeline."""

    at: datetime
    kind: str
    message: str


class PagerDutyState(BaseModel):
    """The PagerDuty incident behind a report or incident."""

    status: Literal[PAGERDUTY_STATUSES] | None
    incident_url: str | None
    priority: str | None
    urgency: Literal[PAGERDUTY_URGENCIES] | None
    assignees: list[str]


class ReportSummary(BaseModel):
    """A report as lists show it."""

    id: int
    title: str
    severity: ReportSeverity
    status: ReportStatus
    submitted_at: datetime
    sla_deadline: datetime | None
    sla_state: Literal[SLA_STATES]
    assignee_email: str | None
    pagerduty: PagerDutyState


class ReportListItem(ReportSummary):
    """A report in GET /reports."""

    updated_at: datetime


class Report(ReportSummary):
    """A report with its timeline."""

    timeline: list[TimelineEntry]


class IncidentSummary(BaseModel):
    """An incident without its timeline."""

    id: int
    kind: IncidentKind
    title: str
    severity: IncidentSeverity
    status: IncidentStatus
    transient: bool
    cluster: str | None
    namespace: str | None
    provider: Provider | None
    resource_id: str | None
    resource_type: str | None
    root_cause: str | None
    affected_resources: str | list[str] | None
    remediation_steps: str | list[str] | None
    external_id: str | None
    created_at: datetime
    resolved_at: datetime | None
    pagerduty: PagerDutyState


class IncidentListItem(IncidentSummary):
    """An incident in GET /incidents."""

    updated_at: datetime


class Incident(IncidentSummary):
    """An incident with its timeline."""

    timeline: list[TimelineEntry]


class Subject(BaseModel):
    """What a delivery is about."""

    type: str
    id: int | None


class Delivery(BaseModel):
    """One call to PagerDuty in the delivery log (no routing key; the response with secrets removed)."""

    id: int
    action: str
    event_type: str | None
    status: str
    attempts: int
    dedup_key: str | None
    target: str | None
    route_reason: str | None
    severity: str | None
    subject: Subject | None
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_response: object | None
    created_at: datetime
    delivered_at: datetime | None


class ReportPage(BaseModel):
    """A page of reports, newest first."""

    items: list[ReportListItem]
    next_cursor: str | None


class IncidentPage(BaseModel):
    """A page of incidents, newest first."""

    items: list[IncidentListItem]
    next_cursor: str | None


class DeliveryPage(BaseModel):
    """A page of the delivery log, newest first."""

    items: list[Delivery]
    next_cursor: str | None


class InventoryCounts(BaseModel):
    """What PUT /inventory took in."""

    clusters: int
    namespaces: int
    cloud_resources: int


class OrgRef(BaseModel):
    """The org a token belongs to."""

    slug: str
    name: str


class TokenCheck(BaseModel):
    """GET /: which org the token belongs to."""

    org: OrgRef


class ErrorDetail(BaseModel):
    """What went wrong, with a message per field path."""

    code: str
    message: str
    fields: dict[str, str]


class Error(BaseModel):
    """The contract's error shape."""

    error: ErrorDetail
