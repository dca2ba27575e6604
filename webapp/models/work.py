"""The urgent work PagerBridge pages for: VDP reports, runtime incidents, and their timelines."""

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

REPORT_SEVERITIES = ("none", "low", "medium", "high", "critical", "super-critical")
REPORT_STATUSES = ("new", "triaging", "validated", "dismissed", "resolved")
CLOSED_REPORT_STATUSES = ("dismissed", "resolved")
SLA_STATES = ("ok", "at_risk", "breached")
INCIDENT_KINDS = ("kubernetes", "cloud")
INCIDENT_SEVERITIES = ("low", "medium", "high", "critical")
INCIDENT_STATUSES = ("open", "investigating", "resolved")
PROVIDERS = ("aws", "oci")
PAGERDUTY_STATUSES = ("triggered", "acknowledged", "resolved")


class PagerDutyMirror:
    """Columns that mirror the PagerDuty incident behind a report or runtime incident."""

    pd_status = db.Column(db.String(16))
    pd_incident_id = db.Column(db.String(32), index=True)
    pd_incident_url = db.Column(db.String(500))


class Report(PagerDutyMirror, db.Model):
    """A vulnerability report submitted to an org's VDP."""

    __tablename__ = "reports"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    title = db.Column(db.String(300), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    researcher_email = db.Column(db.String(254))
    severity = db.Column(db.String(16), nullable=False, default="none")
    status = db.Column(db.String(16), nullable=False, default="new")
    source = db.Column(db.String(16), nullable=False, default="api")
    submitted_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sla_deadline = db.Column(UTCDateTime)
    sla_state = db.Column(db.String(16), nullable=False, default="ok")
    sla_at_risk_fired_at = db.Column(UTCDateTime)
    sla_breached_fired_at = db.Column(UTCDateTime)
    assignee_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    assignee = db.relationship("User", lazy="joined")
    timeline = db.relationship(
        "TimelineEntry", order_by="(TimelineEntry.at, TimelineEntry.id)", lazy="select", passive_deletes=True
    )

    __table_args__ = (
        db.Index("ix_reports_org_status", "org_id", "status"),
        db.Index("ix_reports_open_deadline", "status", "sla_deadline"),
        db.Index("ix_reports_org_submitted", "org_id", "submitted_at", "id"),
    )

    @property
    def is_closed(self):
        return self.status in CLOSED_REPORT_STATUSES


class Incident(PagerDutyMirror, db.Model):
    """A Kubernetes or cloud incident raised by a detector."""

    __tablename__ = "incidents"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(16), nullable=False)
    title = db.Column(db.String(300), nullable=False)
    severity = db.Column(db.String(16), nullable=False)
    status = db.Column(db.String(16), nullable=False, default="open")
    transient = db.Column(db.Boolean, nullable=False, default=False)
    cluster = db.Column(db.String(253))
    namespace = db.Column(db.String(253))
    provider = db.Column(db.String(8))
    resource_id = db.Column(db.String(512))
    resource_type = db.Column(db.String(100))
    root_cause = db.Column(db.Text)
    affected_resources = db.Column(db.JSON)
    remediation_steps = db.Column(db.JSON)
    external_id = db.Column(db.String(200))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    resolved_at = db.Column(UTCDateTime)
    timeline = db.relationship(
        "TimelineEntry", order_by="(TimelineEntry.at, TimelineEntry.id)", lazy="select", passive_deletes=True
    )

    __table_args__ = (
        db.UniqueConstraint("org_id", "external_id", name="uq_incidents_org_external"),
        db.Index("ix_incidents_org_status", "org_id", "status"),
        db.Index("ix_incidents_org_created", "org_id", "created_at", "id"),
    )


class TimelineEntry(db.Model):
    """One line on a report's or incident's timeline."""

    __tablename__ = "timeline_entries"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    report_id = db.Column(db.Integer, db.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    incident_id = db.Column(db.Integer, db.ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    kind = db.Column(db.String(40), nullable=False)
    message = db.Column(db.Text, nullable=False)
    actor = db.Column(db.String(254))
