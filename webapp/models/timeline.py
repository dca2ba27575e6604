"""One line on a report's or incident's timeline."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import OrgScoped, UTCDateTime, utcnow


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
