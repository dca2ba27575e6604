"""war rooms: when PagerDuty paged, first acknowledged and last resolved each activation (response analytics), the
paging filled in for existing activations from the delivery log

Revision ID: warroom_response
Revises: analytics_response_record
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "warroom_response"
down_revision = "analytics_response_record"
branch_labels = None
depends_on = None

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
    # add_column without a batch: SQLite would rebuild the table and lose its partial unique index.
    op.add_column("war_rooms", sa.Column("pd_paged_exact", sa.Boolean(), server_default=sa.false(), nullable=False))
    for name, kind in COLUMNS:
        op.add_column("war_rooms", sa.Column(name, kind, nullable=True))
    op.create_index("ix_war_rooms_org_paged", "war_rooms", ["org_id", "pd_paged_at"], unique=False)
    _backfill()


def _backfill():
    """The first accepted trigger of each activation's dedup key (war-room-<org slug>-<number>) from the delivery log,
    and the time to page from the activation; acknowledgements and resolutions were never kept for war rooms."""
    first_trigger = (
        "SELECT {} FROM deliveries d JOIN orgs o ON o.id = d.org_id WHERE d.org_id = w.org_id "
        "AND d.dedup_key = 'war-room-' || o.slug || '-' || CAST(w.number AS TEXT) AND d.action = 'trigger' "
        "AND d.status = 'delivered' AND d.delivered_at IS NOT NULL ORDER BY d.delivered_at, d.id LIMIT 1"
    )
    op.execute(
        "UPDATE war_rooms AS w SET "
        f"pd_paged_at = ({first_trigger.format('d.delivered_at')}), "
        f"pd_service = ({first_trigger.format('d.target_label')}), "
        f"pd_severity = ({first_trigger.format('d.severity')})"
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, activated_at, pd_paged_at FROM war_rooms WHERE pd_paged_at IS NOT NULL").columns(
            activated_at=sa.DateTime(timezone=True), pd_paged_at=sa.DateTime(timezone=True)
        )
    ).all()
    updates = [{"row_id": row.id, "page": _seconds(row.pd_paged_at, row.activated_at)} for row in rows]
    if updates:
        bind.execute(sa.text("UPDATE war_rooms SET pd_page_seconds = :page WHERE id = :row_id"), updates)


def _aware(moment):
    if isinstance(moment, str):  # SQLite hands back the stored text when a raw query names the column
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _seconds(later, earlier):
    if later is None or earlier is None:
        return None
    return (_aware(later) - _aware(earlier)).total_seconds()


def downgrade():
    op.drop_index("ix_war_rooms_org_paged", table_name="war_rooms")
    for name, _ in reversed(COLUMNS):
        op.drop_column("war_rooms", name)
    op.drop_column("war_rooms", "pd_paged_exact")
