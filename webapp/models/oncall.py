"""On-call: the org's mode and schedule, and the shifts that say who is on call."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.response import ResponseRecord
from webapp.models.types import OrgRecord, OrgScoped, UTCDateTime, utcnow
from webapp.models.vocabularies import OnCallMode, ShiftSource, words

if TYPE_CHECKING:
    from webapp.models.org import User


ONCALL_MODES = words(OnCallMode)
SHIFT_SOURCES = words(ShiftSource)


class OnCallSettings(db.Model):
    """How an org picks its on-call person, and the state of its schedule sync."""

    __tablename__ = "oncall_settings"
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(db.String(16), default="manual")
    schedule_id: Mapped[str | None] = mapped_column(db.String(32))
    schedule_name: Mapped[str | None] = mapped_column(db.String(255))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_error: Mapped[str | None] = mapped_column(db.Text)
    unmatched_email: Mapped[str | None] = mapped_column(db.String(254))
    unmatched_name: Mapped[str | None] = mapped_column(db.String(255))
    upcoming: Mapped[list] = mapped_column(db.JSON, default=list)


class Shift(OrgRecord, db.Model):
    """A span during which one org user is on call; the newest unended one is current."""

    __tablename__ = "oncall_shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(db.String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_user_id: Mapped[str | None] = mapped_column(db.String(32))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped["User"] = relationship("User", lazy="joined")

    __table_args__ = (db.Index("ix_oncall_shifts_org_current", "org_id", "ended_at"),)


class WarRoom(ResponseRecord, OrgScoped, db.Model):
    """A war-room activation: 2+ reports at risk or breached at once; numbered per org; paged like a report."""

    __tablename__ = "war_rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(db.Integer)
    report_ids: Mapped[list] = mapped_column(db.JSON, default=list)
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        db.UniqueConstraint("org_id", "number", name="uq_war_rooms_org_number"),
        db.Index(
            "uq_war_rooms_one_active",
            "org_id",
            unique=True,
            sqlite_where=db.text("ended_at IS NULL"),
            postgresql_where=db.text("ended_at IS NULL"),
        ),
        db.Index("ix_war_rooms_org_paged", "org_id", "pd_paged_at"),
    )
