"""A vulnerability report submitted to an org's VDP, and the words of its severity, status and SLA state."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.mirror import PagerDutyMirror
from webapp.models.response import ResponseRecord
from webapp.models.types import OrgScoped, UTCDateTime, utcnow
from webapp.models.vocabularies import ReportSeverity, ReportStatus, SlaState, words

if TYPE_CHECKING:
    from webapp.models.org import User
    from webapp.models.timeline import TimelineEntry


REPORT_SEVERITIES = words(ReportSeverity)
REPORT_STATUSES = words(ReportStatus)
CLOSED_REPORT_STATUSES = (ReportStatus.DISMISSED.value, ReportStatus.RESOLVED.value)
SLA_STATES = words(SlaState)


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
