"""users.session_version: signing out or changing the password voids the sessions issued before

Revision ID: accounts_0001
Revises: api_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision = "api_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_column("users", "session_version")
        return
    # SQLite rebuilds the table to drop a column, and the rebuild loses the expression index on lower(email)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
