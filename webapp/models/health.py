"""Health findings: what a check found wrong with an org's PagerDuty setup, kept until a later check clears it."""

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

FINDING_LEVELS = ("warning", "error")


class HealthFinding(db.Model):
    """One standing finding; (org, code, subject) is unique so a repeated check refreshes rather than duplicates."""

    __tablename__ = "health_findings"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    code = db.Column(db.String(40), nullable=False)
    subject = db.Column(db.String(64), nullable=False, default="")
    level = db.Column(db.String(16), nullable=False, default="warning")
    message = db.Column(db.Text, nullable=False)
    action = db.Column(db.Text)
    first_seen_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (db.UniqueConstraint("org_id", "code", "subject", name="uq_health_findings_org_code_subject"),)
