"""On-call: the org's mode and schedule, and the shifts that say who is on call."""

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

ONCALL_MODES = ("manual", "pagerduty")
SHIFT_SOURCES = ("manual", "pagerduty", "override")


class OnCallSettings(db.Model):
    """How an org picks its on-call person, and the state of its schedule sync."""

    __tablename__ = "oncall_settings"
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    mode = db.Column(db.String(16), nullable=False, default="manual")
    schedule_id = db.Column(db.String(32))
    schedule_name = db.Column(db.String(255))
    last_sync_at = db.Column(UTCDateTime)
    last_sync_error = db.Column(db.Text)
    unmatched_email = db.Column(db.String(254))
    unmatched_name = db.Column(db.String(255))
    upcoming = db.Column(db.JSON, nullable=False, default=list)


class Shift(db.Model):
    """A span during which one org user is on call; the newest unended one is current."""

    __tablename__ = "oncall_shifts"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    source = db.Column(db.String(16), nullable=False)
    starts_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    ends_at = db.Column(UTCDateTime)
    pd_user_id = db.Column(db.String(32))
    ended_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    user = db.relationship("User", lazy="joined")

    __table_args__ = (db.Index("ix_oncall_shifts_org_current", "org_id", "ended_at"),)


class WarRoom(db.Model):
    """A war-room activation: 2+ reports at risk or breached at once; numbered per org."""

    __tablename__ = "war_rooms"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    number = db.Column(db.Integer, nullable=False)
    report_ids = db.Column(db.JSON, nullable=False, default=list)
    activated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = db.Column(UTCDateTime)

    __table_args__ = (
        db.UniqueConstraint("org_id", "number", name="uq_war_rooms_org_number"),
        db.Index(
            "uq_war_rooms_one_active",
            "org_id",
            unique=True,
            sqlite_where=db.text("ended_at IS NULL"),
            postgresql_where=db.text("ended_at IS NULL"),
        ),
    )
