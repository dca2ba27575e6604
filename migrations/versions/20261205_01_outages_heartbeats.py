"""heartbeats: the last beat of each worker, sender, scheduler and periodic job, where a Redis flush cannot reach

Revision ID: outages_heartbeats
Revises: vocab_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "outages_heartbeats"
down_revision = "vocab_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "name", name="uq_heartbeats_kind_name"),
    )


def downgrade():
    op.drop_table("heartbeats")
