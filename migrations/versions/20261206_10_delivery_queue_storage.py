"""deliveries as a queue table on PostgreSQL: room in each page for HOT updates (a claim's lease changes no indexed
column, so with room on the page it adds no index entry) and autovacuum after 1% of the rows changed, not 20%

Revision ID: delivery_queue_storage
Revises: warroom_response
"""

from alembic import op

revision = "delivery_queue_storage"
down_revision = "warroom_response"
branch_labels = None
depends_on = None

# Each delivery is written three times within a second (queued, leased, done). With full pages (fillfactor 100) the
# lease is a non-HOT update: a new entry in all five indexes, and a dead "pending" entry that every claim's scan
# visits until autovacuum, which by default waits for a fifth of the table to change.
STORAGE = "fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE deliveries SET ({STORAGE})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE deliveries RESET (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"
        )
