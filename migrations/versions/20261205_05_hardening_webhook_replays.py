"""webhook receipts: the signed event id (one receipt per event, whatever X-Webhook-Id says) and a replay count

Receipts stored before this keep no event id (they stay as they are).

Revision ID: hardening_webhook_replays
Revises: hardening_sessions
Create Date: 2026-12-05 23:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "hardening_webhook_replays"
down_revision = "hardening_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_receipts") as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("replays", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_unique_constraint("uq_webhook_receipts_org_event", ["org_id", "event_id"])


def downgrade():
    with op.batch_alter_table("webhook_receipts") as batch_op:
        batch_op.drop_constraint("uq_webhook_receipts_org_event", type_="unique")
        batch_op.drop_column("replays")
        batch_op.drop_column("event_id")
