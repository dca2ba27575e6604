"""deliveries: the pace group of each delivery's key and the slot a paced delivery holds

Revision ID: delivery_0001
Revises: inputs_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "delivery_0001"
down_revision = "inputs_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pace_group", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("slot_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_deliveries_pace_group", ["pace_group", "slot_at"], unique=False)


def downgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_pace_group")
        batch_op.drop_column("slot_at")
        batch_op.drop_column("pace_group")
