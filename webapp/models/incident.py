"""A Kubernetes or cloud incident raised by a detector, and the words of its kind, severity, status and provider."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.mirror import PagerDutyMirror
from webapp.models.response import ResponseRecord
from webapp.models.types import OrgRecord, UTCDateTime, utcnow
from webapp.models.vocabularies import IncidentKind, IncidentSeverity, IncidentStatus, Provider, words

if TYPE_CHECKING:
    from webapp.models.timeline import TimelineEntry


INCIDENT_KINDS = words(IncidentKind)
INCIDENT_SEVERITIES = words(IncidentSeverity)
INCIDENT_STATUSES = words(IncidentStatus)
PROVIDERS = words(Provider)


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
