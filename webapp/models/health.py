"""Health findings: what a check found wrong with an org's PagerDuty setup, kept until a later check clears it."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import OrgScoped, UTCDateTime, utcnow
from webapp.models.vocabularies import FindingLevel, words

FINDING_LEVELS = words(FindingLevel)


class HealthFinding(OrgScoped, db.Model):
    """One standing finding; (org, code, subject) is unique so a repeated check refreshes rather than duplicates."""

    __tablename__ = "health_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(db.String(40))
    subject: Mapped[str] = mapped_column(db.String(64), default="")
    level: Mapped[str] = mapped_column(db.String(16), default="warning")
    message: Mapped[str] = mapped_column(db.Text)
    action: Mapped[str | None] = mapped_column(db.Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (db.UniqueConstraint("org_id", "code", "subject", name="uq_health_findings_org_code_subject"),)


class Heartbeat(db.Model):
    """The last beat of one process (worker, sender, scheduler) or periodic job: kept in the database so that a
    Redis flush cannot erase it and a dead process's row stays behind, ageing, for everyone to see."""

    __tablename__ = "heartbeats"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(16))
    name: Mapped[str] = mapped_column(db.String(200))
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (db.UniqueConstraint("kind", "name", name="uq_heartbeats_kind_name"),)
