"""The urgent work PagerBridge pages for: VDP reports, runtime incidents, and their timelines."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.response import ResponseRecord
from webapp.models.types import OrgRecord, OrgScoped, UTCDateTime, utcnow
from webapp.models.vocabularies import (
    IncidentKind,
    IncidentSeverity,
    IncidentStatus,
    PagerDutyStatus,
    PagerDutyUrgency,
    Provider,
    ReportSeverity,
    ReportStatus,
    SlaState,
    words,
)

if TYPE_CHECKING:
    from webapp.models.org import User


REPORT_SEVERITIES = words(ReportSeverity)
REPORT_STATUSES = words(ReportStatus)
CLOSED_REPORT_STATUSES = (ReportStatus.DISMISSED.value, ReportStatus.RESOLVED.value)
SLA_STATES = words(SlaState)
INCIDENT_KINDS = words(IncidentKind)
INCIDENT_SEVERITIES = words(IncidentSeverity)
INCIDENT_STATUSES = words(IncidentStatus)
PROVIDERS = words(Provider)
PAGERDUTY_STATUSES = words(PagerDutyStatus)
PAGERDUTY_URGENCIES = words(PagerDutyUrgency)


class PagerDutyMirror:
    """Columns that mirror the PagerDuty incident behind a report or runtime incident."""

    pd_status: Mapped[str | None] = mapped_column(db.String(16))
    pd_incident_id: Mapped[str | None] = mapped_column(db.String(32), index=True)
    pd_incident_url: Mapped[str | None] = mapped_column(db.String(500))
    # PagerDuty's occurred_at of the newest status event applied, and of the newest incident snapshot (urgency,
    # priority, assignees): an older event arriving late adds its timeline line but never undoes a newer one.
    pd_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_details_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_urgency: Mapped[str | None] = mapped_column(db.String(8))
    pd_priority: Mapped[str | None] = mapped_column(db.String(100))
    pd_assignees: Mapped[list | None] = mapped_column(db.JSON)
    pd_escalation_level: Mapped[int | None] = mapped_column(db.Integer)
    pd_notes_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Report(OrgScoped, PagerDutyMirror, ResponseRecord, db.Model):
    """A vulnerability report submitted to an org's VDP."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(db.String(300))
    description: Mapped[str] = mapped_column(db.Text, default="")
    researcher_email: Mapped[str | None] = mapped_column(db.String(254))
    severity: Mapped[str] = mapped_column(db.String(16), default="none")
    status: Mapped[str] = mapped_column(db.String(16), default="new")
    source: Mapped[str] = mapped_column(db.String(16), default="api")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sla_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_state: Mapped[str] = mapped_column(db.String(16), default="ok")
    sla_at_risk_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_breached_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    assignee: Mapped["User | None"] = relationship("User", lazy="joined")
    timeline: Mapped[list["TimelineEntry"]] = relationship(
        order_by="(TimelineEntry.at, TimelineEntry.id)", lazy="select", passive_deletes=True
    )

    __table_args__ = (
        db.Index("ix_reports_org_status", "org_id", "status"),
        db.Index("ix_reports_open_deadline", "status", "sla_deadline"),
        db.Index("ix_reports_org_submitted", "org_id", "submitted_at", "id"),
        db.Index("ix_reports_org_paged", "org_id", "pd_paged_at"),
    )

    @property
    def is_closed(self):
        return self.status in CLOSED_REPORT_STATUSES


class Incident(OrgRecord, PagerDutyMirror, ResponseRecord, db.Model):
    """A Kubernetes or cloud incident raised by a detector."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(16))
    title: Mapped[str] = mapped_column(db.String(300))
    severity: Mapped[str] = mapped_column(db.String(16))
    status: Mapped[str] = mapped_column(db.String(16), default="open")
    transient: Mapped[bool] = mapped_column(db.Boolean, default=False)
    cluster: Mapped[str | None] = mapped_column(db.String(253))
    namespace: Mapped[str | None] = mapped_column(db.String(253))
    provider: Mapped[str | None] = mapped_column(db.String(8))
    resource_id: Mapped[str | None] = mapped_column(db.String(512))
    resource_type: Mapped[str | None] = mapped_column(db.String(100))
    root_cause: Mapped[str | None] = mapped_column(db.Text)
    affected_resources: Mapped[list | None] = mapped_column(db.JSON)
    remediation_steps: Mapped[list | None] = mapped_column(db.JSON)
    external_id: Mapped[str | None] = mapped_column(db.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeline: Mapped[list["TimelineEntry"]] = relationship(
        order_by="(TimelineEntry.at, TimelineEntry.id)", lazy="select", passive_deletes=True
    )

    __table_args__ = (
        db.UniqueConstraint("org_id", "external_id", name="uq_incidents_org_external"),
        db.Index("ix_incidents_org_status", "org_id", "status"),
        db.Index("ix_incidents_org_created", "org_id", "created_at", "id"),
        db.Index("ix_incidents_org_paged", "org_id", "pd_paged_at"),
    )


class TimelineEntry(OrgScoped, db.Model):
    """One line on a report's or incident's timeline."""

    __tablename__ = "timeline_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(db.String(40))
    message: Mapped[str] = mapped_column(db.Text)
    actor: Mapped[str | None] = mapped_column(db.String(254))
    pd_ref: Mapped[str | None] = mapped_column(db.String(64))  # PagerDuty's id of a mirrored note: shown once
