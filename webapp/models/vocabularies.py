"""Every column that holds a word from a fixed list, held to it by a CHECK constraint named ck_<table>_<column>."""

from sqlalchemy import CheckConstraint
from sqlalchemy.sql.elements import conv

from webapp.extensions import db
from webapp.models.delivery import DELIVERY_ACTIONS, DELIVERY_STATUSES
from webapp.models.health import FINDING_LEVELS
from webapp.models.oncall import ONCALL_MODES, SHIFT_SOURCES
from webapp.models.org import ROLES
from webapp.models.pagerduty import CONNECTION_METHODS, CONNECTION_STATES, JOB_RUN_STATUSES, REGIONS
from webapp.models.work import (
    INCIDENT_KINDS,
    INCIDENT_SEVERITIES,
    INCIDENT_STATUSES,
    PAGERDUTY_STATUSES,
    PROVIDERS,
    REPORT_SEVERITIES,
    REPORT_STATUSES,
    SLA_STATES,
)

# (table, column) → the words it may hold; a NULL passes (the column's nullability says whether it may be empty).
VOCABULARIES = {
    ("users", "role"): ROLES,
    ("pagerduty_connections", "method"): CONNECTION_METHODS,
    ("pagerduty_connections", "state"): CONNECTION_STATES,
    ("pagerduty_connections", "region"): REGIONS,
    ("job_runs", "status"): JOB_RUN_STATUSES,
    ("deliveries", "action"): DELIVERY_ACTIONS,
    ("deliveries", "status"): DELIVERY_STATUSES,
    ("reports", "severity"): REPORT_SEVERITIES,
    ("reports", "status"): REPORT_STATUSES,
    ("reports", "sla_state"): SLA_STATES,
    ("reports", "pd_status"): PAGERDUTY_STATUSES,
    ("incidents", "kind"): INCIDENT_KINDS,
    ("incidents", "severity"): INCIDENT_SEVERITIES,
    ("incidents", "status"): INCIDENT_STATUSES,
    ("incidents", "provider"): PROVIDERS,
    ("incidents", "pd_status"): PAGERDUTY_STATUSES,
    ("cloud_resources", "provider"): PROVIDERS,
    ("oncall_settings", "mode"): ONCALL_MODES,
    ("oncall_shifts", "source"): SHIFT_SOURCES,
    ("health_findings", "level"): FINDING_LEVELS,
}


def check_sql(column, words):
    """The CHECK condition for one vocabulary column."""
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def install_checks():
    """Attach each vocabulary's CHECK constraint to its table (once; after every model is declared)."""
    for (table_name, column), words in VOCABULARIES.items():
        table = db.metadata.tables[table_name]
        name = f"ck_{table_name}_{column}"
        if not any(getattr(constraint, "name", None) == name for constraint in table.constraints):
            table.append_constraint(CheckConstraint(check_sql(column, words), name=conv(name)))  # final, as named
