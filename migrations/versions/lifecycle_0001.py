"""health findings; broken service routes; whether PagerBridge owns the webhook subscription

Revision ID: lifecycle_0001
Revises: accounts_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "lifecycle_0001"
down_revision = "accounts_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "health_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_health_findings_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_findings")),
        sa.UniqueConstraint("org_id", "code", "subject", name="uq_health_findings_org_code_subject"),
    )
    with op.batch_alter_table("pagerduty_services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broken_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("broken_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("pagerduty_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscription_owned", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("pagerduty_connections", schema=None) as batch_op:
        batch_op.drop_column("subscription_owned")
    with op.batch_alter_table("pagerduty_services", schema=None) as batch_op:
        batch_op.drop_column("broken_reason")
        batch_op.drop_column("broken_at")
    op.drop_table("health_findings")
