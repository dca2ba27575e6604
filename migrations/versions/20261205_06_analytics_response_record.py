"""reports and incidents: when PagerDuty paged, first acknowledged and last resolved each one (response analytics),
filled in for existing rows from the delivery log and the timelines

Revision ID: analytics_response_record
Revises: hardening_webhook_replays
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "analytics_response_record"
down_revision = "hardening_webhook_replays"
branch_labels = None
depends_on = None

TABLES = {"reports": ("report", "report_id", "submitted_at"), "incidents": ("incident", "incident_id", "created_at")}
COLUMNS = (
    ("pd_paged_at", sa.DateTime(timezone=True)),
    ("pd_service", sa.String(length=255)),
    ("pd_severity", sa.String(length=16)),
    ("pd_acknowledged_at", sa.DateTime(timezone=True)),
    ("pd_acknowledged_by", sa.String(length=254)),
    ("pd_resolved_at", sa.DateTime(timezone=True)),
    ("pd_reopened_at", sa.DateTime(timezone=True)),
    ("pd_page_seconds", sa.Float()),
    ("pd_ack_seconds", sa.Float()),
    ("pd_resolve_seconds", sa.Float()),
)


def upgrade():
    for table in TABLES:
        # add_column without a batch: SQLite would rebuild the table and lose its partial indexes.
        op.add_column(table, sa.Column("pd_paged_exact", sa.Boolean(), server_default=sa.false(), nullable=False))
        for name, kind in COLUMNS:
            op.add_column(table, sa.Column(name, kind, nullable=True))
        op.create_index(f"ix_{table}_org_paged", table, ["org_id", "pd_paged_at"], unique=False)
        _backfill(table, *TABLES[table])


def _backfill(table, subject_type, timeline_column, start_column):
    """First accepted trigger from the delivery log; first acknowledgement and (if still resolved) latest resolution
    from the timeline; then the durations, row by row (a one-off, so portable Python rather than dialect SQL)."""
    first_trigger = (
        f"SELECT {{}} FROM deliveries d WHERE d.org_id = t.org_id AND d.subject_type = '{subject_type}' "
        "AND d.subject_id = t.id AND d.action = 'trigger' AND d.status = 'delivered' AND d.delivered_at IS NOT NULL "
        "ORDER BY d.delivered_at, d.id LIMIT 1"
    )
    first_ack = (
        f"SELECT {{}} FROM timeline_entries e WHERE e.{timeline_column} = t.id AND e.kind = 'pagerduty.acknowledged' "
        "ORDER BY e.at, e.id LIMIT 1"
    )
    op.execute(
        f"UPDATE {table} AS t SET "
        f"pd_paged_at = ({first_trigger.format('d.delivered_at')}), "
        f"pd_service = ({first_trigger.format('d.target_label')}), "
        f"pd_severity = ({first_trigger.format('d.severity')}), "
        f"pd_acknowledged_at = ({first_ack.format('e.at')}), "
        f"pd_acknowledged_by = ({first_ack.format('substr(e.actor, 1, 254)')}), "
        f"pd_resolved_at = CASE WHEN t.pd_status = 'resolved' THEN (SELECT max(e.at) FROM timeline_entries e "
        f"WHERE e.{timeline_column} = t.id AND e.kind = 'pagerduty.resolved') END"
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            f"SELECT id, {start_column} AS started, pd_paged_at, pd_acknowledged_at, pd_resolved_at FROM {table} "
            "WHERE pd_paged_at IS NOT NULL"
        ).columns(
            started=sa.DateTime(timezone=True),
            pd_paged_at=sa.DateTime(timezone=True),
            pd_acknowledged_at=sa.DateTime(timezone=True),
            pd_resolved_at=sa.DateTime(timezone=True),
        )
    ).all()
    updates = [
        {
            "row_id": row.id,
            "page": _seconds(row.pd_paged_at, row.started),
            "ack": _seconds(row.pd_acknowledged_at, row.pd_paged_at),
            "resolve": _seconds(row.pd_resolved_at, row.pd_paged_at),
        }
        for row in rows
    ]
    if updates:
        bind.execute(
            sa.text(
                f"UPDATE {table} SET pd_page_seconds = :page, pd_ack_seconds = :ack, pd_resolve_seconds = :resolve "
                "WHERE id = :row_id"
            ),
            updates,
        )


def _aware(moment):
    if isinstance(moment, str):  # SQLite hands back the stored text when a raw query names the column
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _seconds(later, earlier):
    if later is None or earlier is None:
        return None
    return (_aware(later) - _aware(earlier)).total_seconds()


def downgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_org_paged", table_name=table)
        for name, _ in reversed(COLUMNS):
            op.drop_column(table, name)
        op.drop_column(table, "pd_paged_exact")
