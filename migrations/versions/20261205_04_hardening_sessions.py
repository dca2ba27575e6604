"""users: a random session secret instead of a session counter, never-reused ids on SQLite, the operator flag

Existing sessions and remember cookies carry `<id>:<version>` and stop working once: everyone signs in again.

Revision ID: hardening_sessions
Revises: story_mirror
Create Date: 2026-12-05 23:10:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "hardening_sessions"
down_revision = "story_mirror"
branch_labels = None
depends_on = None

EMAIL_INDEX = "uq_users_email_lower"


def _fill_secrets():
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_secret", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_secret=secrets.token_urlsafe(32))
        )


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the table is rebuilt (AUTOINCREMENT), and batch mode cannot reflect an expression index
        op.drop_index(EMAIL_INDEX, table_name="users")
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("is_operator", sa.Boolean(), server_default=sa.false(), nullable=False))
    _fill_secrets()
    with op.batch_alter_table(
        "users", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("session_secret", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("session_version")
    if sqlite:
        op.create_index(EMAIL_INDEX, "users", [sa.text("lower(email)")], unique=True)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index(EMAIL_INDEX, table_name="users")
    with op.batch_alter_table("users", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_column("is_operator")
        batch_op.drop_column("session_secret")
    if sqlite:
        op.create_index(EMAIL_INDEX, "users", [sa.text("lower(email)")], unique=True)
