"""API tokens are named; keyset indexes for the report and incident lists

Revision ID: api_0001
Revises: 0001
"""

from alembic import op

revision = "api_0001"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("label", new_column_name="name")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_org_submitted", ["org_id", "submitted_at", "id"], unique=False)
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_org_created", ["org_id", "created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_org_created")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_org_submitted")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("name", new_column_name="label")
