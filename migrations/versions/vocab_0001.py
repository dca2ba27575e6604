"""Vocabularies enforced: a CHECK constraint on every column that holds a word from a fixed list (PostgreSQL)

SQLite rebuilds a table to add a constraint, which would lose its expression and partial indexes; development
databases on SQLite rely on the services' own checks, production's PostgreSQL enforces these.

Revision ID: vocab_0001
Revises: delivery_0001
"""

from alembic import op

revision = "vocab_0001"
down_revision = "delivery_0001"
branch_labels = None
depends_on = None

# Frozen as of this revision: a later change to a vocabulary is a migration of its own.
VOCABULARIES = {
    ("users", "role"): ("admin", "member"),
    ("pagerduty_connections", "method"): ("api_token", "routing_key"),
    ("pagerduty_connections", "state"): ("connected", "error", "disconnected"),
    ("pagerduty_connections", "region"): ("us", "eu"),
    ("job_runs", "status"): ("queued", "running", "done", "failed"),
    ("deliveries", "action"): ("trigger", "acknowledge", "resolve", "note", "test"),
    ("deliveries", "status"): ("pending", "delivered", "retrying", "paused", "failed", "cancelled", "no_route"),
    ("reports", "severity"): ("none", "low", "medium", "high", "critical", "super-critical"),
    ("reports", "status"): ("new", "triaging", "validated", "dismissed", "resolved"),
    ("reports", "sla_state"): ("ok", "at_risk", "breached"),
    ("reports", "pd_status"): ("triggered", "acknowledged", "resolved"),
    ("incidents", "kind"): ("kubernetes", "cloud"),
    ("incidents", "severity"): ("low", "medium", "high", "critical"),
    ("incidents", "status"): ("open", "investigating", "resolved"),
    ("incidents", "provider"): ("aws", "oci"),
    ("incidents", "pd_status"): ("triggered", "acknowledged", "resolved"),
    ("cloud_resources", "provider"): ("aws", "oci"),
    ("oncall_settings", "mode"): ("manual", "pagerduty"),
    ("oncall_shifts", "source"): ("manual", "pagerduty", "override"),
    ("health_findings", "level"): ("warning", "error"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for (table, column), words in VOCABULARIES.items():
        condition = f"{column} IN ({', '.join(repr(word) for word in words)})"
        op.create_check_constraint(op.f(f"ck_{table}_{column}"), table, condition)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in VOCABULARIES:
        op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
