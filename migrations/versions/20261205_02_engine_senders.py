"""sender processes and their heartbeats; the lease owner and a note's in-doubt mark on deliveries

Revision ID: engine_senders
Revises: outages_heartbeats
"""

import sqlalchemy as sa
from alembic import op

revision = "engine_senders"
down_revision = "outages_heartbeats"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "senders",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("in_flight", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_senders")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("in_doubt_since", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("in_doubt_since")
        batch_op.drop_column("lease_owner")
    op.drop_table("senders")
