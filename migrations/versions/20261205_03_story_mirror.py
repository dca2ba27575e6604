"""PagerDuty's whole story mirrored: when each status and snapshot was applied (PagerDuty's time), urgency,
priority, assignees, escalation level, when notes were last read back; PagerDuty's id of a mirrored note

Revision ID: story_mirror
Revises: engine_senders
"""

import sqlalchemy as sa
from alembic import op

revision = "story_mirror"
down_revision = "engine_senders"
branch_labels = None
depends_on = None

MIRRORED = ("reports", "incidents")


def upgrade():
    for table in MIRRORED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("pd_status_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("pd_details_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("pd_urgency", sa.String(length=8), nullable=True))
            batch_op.add_column(sa.Column("pd_priority", sa.String(length=100), nullable=True))
            batch_op.add_column(sa.Column("pd_assignees", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("pd_escalation_level", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("pd_notes_read_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pd_ref", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_column("pd_ref")
    for table in MIRRORED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in (
                "pd_notes_read_at",
                "pd_escalation_level",
                "pd_assignees",
                "pd_priority",
                "pd_urgency",
                "pd_details_at",
                "pd_status_at",
            ):
                batch_op.drop_column(column)
