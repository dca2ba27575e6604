"""webhook receipts: failed attempts, last error, quarantine

Revision ID: inputs_0001
Revises: lifecycle_0001
Create Date: 2026-12-01 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'inputs_0001'
down_revision = 'lifecycle_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('quarantined_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.drop_column('quarantined_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
