"""Every fixed vocabulary as a StrEnum; each column holding one is held to it by a CHECK constraint ck_<table>_<column>.

The enums are the one source: the model modules' tuples (DELIVERY_STATUSES…) and the CHECK constraints are built from
them, so a word added here reaches the database through a migration and nowhere else needs spelling out.
"""

from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlalchemy.sql.elements import conv

from webapp.extensions import db


class Role(StrEnum):
    """A user's role in their org."""

    ADMIN = "admin"
    MEMBER = "member"


class ConnectionMethod(StrEnum):
    """How an org is connected to PagerDuty."""

    API_TOKEN = "api_token"
    ROUTING_KEY = "routing_key"


class ConnectionState(StrEnum):
    """Where an org's PagerDuty connection stands."""

    CONNECTED = "connected"
    ERROR = "error"
    DISCONNECTED = "disconnected"


class Region(StrEnum):
    """PagerDuty's service regions."""

    US = "us"
    EU = "eu"


class JobRunStatus(StrEnum):
    """Where a background run with progress stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DeliveryAction(StrEnum):
    """What a delivery asks of PagerDuty."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    NOTE = "note"
    TEST = "test"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    PAUSED = "paused"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NO_ROUTE = "no_route"


class ReportSeverity(StrEnum):
    """A VDP report's assessed severity."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
    SUPER_CRITICAL = "super-critical"


class ReportStatus(StrEnum):
    """A VDP report's triage status."""

    NEW = "new"
    TRIAGING = "triaging"
    VALIDATED = "validated"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


class SlaState(StrEnum):
    """Where a report stands against its SLA."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"


class IncidentKind(StrEnum):
    """Where a runtime incident comes from."""

    KUBERNETES = "kubernetes"
    CLOUD = "cloud"


class IncidentSeverity(StrEnum):
    """A runtime incident's severity."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class IncidentStatus(StrEnum):
    """A runtime incident's status."""

    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"


class Provider(StrEnum):
    """Cloud providers of incidents and resources."""

    AWS = "aws"
    OCI = "oci"


class PagerDutyStatus(StrEnum):
    """The status of the PagerDuty incident behind a report or incident."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class PagerDutyUrgency(StrEnum):
    """The urgency PagerDuty gives an incident."""

    HIGH = "high"
    LOW = "low"


class OnCallMode(StrEnum):
    """Who decides who is on call."""

    MANUAL = "manual"
    PAGERDUTY = "pagerduty"


class ShiftSource(StrEnum):
    """Where an on-call shift came from."""

    MANUAL = "manual"
    PAGERDUTY = "pagerduty"
    OVERRIDE = "override"


class FindingLevel(StrEnum):
    """How bad a health finding is."""

    WARNING = "warning"
    ERROR = "error"


def words(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The vocabulary's words as plain strings, in declaration order (for tuples, choices and CHECK constraints)."""
    return tuple(member.value for member in vocabulary)


# Deliveries a sender may still send (due now or later); paused ones wait for a reconnect.
WAITING_DELIVERY_STATUSES = (DeliveryStatus.PENDING.value, DeliveryStatus.RETRYING.value)

# (table, column) → the words it may hold; a NULL passes (the column's nullability says whether it may be empty).
VOCABULARIES = {
    ("users", "role"): words(Role),
    ("pagerduty_connections", "method"): words(ConnectionMethod),
    ("pagerduty_connections", "state"): words(ConnectionState),
    ("pagerduty_connections", "region"): words(Region),
    ("job_runs", "status"): words(JobRunStatus),
    ("deliveries", "action"): words(DeliveryAction),
    ("deliveries", "status"): words(DeliveryStatus),
    ("reports", "severity"): words(ReportSeverity),
    ("reports", "status"): words(ReportStatus),
    ("reports", "sla_state"): words(SlaState),
    ("reports", "pd_status"): words(PagerDutyStatus),
    ("incidents", "kind"): words(IncidentKind),
    ("incidents", "severity"): words(IncidentSeverity),
    ("incidents", "status"): words(IncidentStatus),
    ("incidents", "provider"): words(Provider),
    ("incidents", "pd_status"): words(PagerDutyStatus),
    ("cloud_resources", "provider"): words(Provider),
    ("oncall_settings", "mode"): words(OnCallMode),
    ("oncall_shifts", "source"): words(ShiftSource),
    ("health_findings", "level"): words(FindingLevel),
}


def check_sql(column: str, allowed: tuple[str, ...]) -> str:
    """The CHECK condition for one vocabulary column."""
    return f"{column} IN ({', '.join(repr(word) for word in allowed)})"


def install_checks() -> None:
    """Attach each vocabulary's CHECK constraint to its table (once; after every model is declared)."""
    for (table_name, column), allowed in VOCABULARIES.items():
        table = db.metadata.tables[table_name]
        name = f"ck_{table_name}_{column}"
        if not any(getattr(constraint, "name", None) == name for constraint in table.constraints):
            table.append_constraint(CheckConstraint(check_sql(column, allowed), name=conv(name)))  # final, as named
