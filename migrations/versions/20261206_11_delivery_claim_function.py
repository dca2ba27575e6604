"""deliveries: the claim as one server-side function on PostgreSQL (claim_deliveries): the claims' advisory lock and
the claim's UPDATE in one call, so a claim is one round trip and the lock is never held across one

Revision ID: delivery_claim_function
Revises: delivery_queue_storage
"""

from alembic import op

revision = "delivery_claim_function"
down_revision = "delivery_queue_storage"
branch_labels = None
depends_on = None

# webapp/alerts/claiming.py calls it (its SQLAlchemy statement is the same claim, for SQLite). PL/pgSQL, VOLATILE: in
# READ COMMITTED each statement in it takes a fresh snapshot, so the UPDATE sees every lease committed before the
# lock was granted (the per-org cap holds across senders); the lock (0x50424C4B, "PBLK") is released when the
# caller's transaction ends, which for the senders' autocommit call is the end of this one statement.
# plan_cache_mode = force_custom_plan: PL/pgSQL caches a plan per connection and, after five calls, may keep a generic
# one for good. A sender that starts on a near-empty queue then keeps a plan made for a few rows: measured in the
# storm, the earlier-open check scanned every delivery of the org (ix_deliveries_org_created, not org_dedup) and each
# claim grew with the org's history (23-96 ms). Planned at each call it follows the table: 2.0 ms of backend CPU per
# claim of 24 rows, planning included, as the prepared statement before it.
CLAIM_FUNCTION = """
CREATE OR REPLACE FUNCTION claim_deliveries(
    p_now timestamptz, p_soon timestamptz, p_until timestamptz, p_dead_before timestamptz,
    p_token varchar, p_owner varchar, p_batch integer, p_org_limit integer, p_per_key integer
) RETURNS SETOF deliveries
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1346522187);
    RETURN QUERY
    UPDATE deliveries SET lease_until = p_until, lease_token = p_token, lease_owner = p_owner, updated_at = p_now
    WHERE deliveries.id IN (
        SELECT claimable.id FROM deliveries AS claimable
        WHERE claimable.id IN (
            SELECT ranked.id FROM (
                SELECT due.id, due.priority,
                       row_number() OVER (PARTITION BY due.org_id ORDER BY due.key_rank, due.priority DESC, due.id)
                           AS org_rank,
                       coalesce(in_flight.sending, 0) AS sending
                FROM (
                    SELECT d.id, d.org_id, d.priority,
                           row_number() OVER (
                               PARTITION BY d.org_id, coalesce(d.pace_group, '')
                               ORDER BY d.slot_at IS NULL, d.priority DESC, d.id
                           ) AS key_rank
                    FROM deliveries AS d
                    WHERE d.status IN ('pending', 'retrying')
                      AND (d.lease_until IS NULL OR d.lease_until < p_now
                           OR d.lease_owner IN (SELECT name FROM senders WHERE seen_at < p_dead_before))
                      AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= p_soon)
                      AND NOT EXISTS (
                          SELECT 1 FROM deliveries AS earlier
                          WHERE earlier.id < d.id AND earlier.org_id = d.org_id AND earlier.dedup_key = d.dedup_key
                            AND earlier.status IN ('pending', 'retrying', 'paused'))
                      AND (d.slot_at IS NOT NULL OR NOT EXISTS (
                          SELECT 1 FROM deliveries AS slotted
                          WHERE slotted.pace_group = d.pace_group AND slotted.slot_at > p_now
                            AND slotted.status IN ('pending', 'retrying')))
                ) AS due
                LEFT JOIN (
                    SELECT live.org_id, count(live.id) AS sending
                    FROM deliveries AS live
                    WHERE live.status IN ('pending', 'retrying') AND live.lease_until >= p_now
                      AND (live.lease_owner IS NULL
                           OR live.lease_owner NOT IN (SELECT name FROM senders WHERE seen_at < p_dead_before))
                    GROUP BY live.org_id
                ) AS in_flight ON in_flight.org_id = due.org_id
                WHERE due.key_rank <= p_per_key
            ) AS ranked
            WHERE ranked.org_rank + ranked.sending <= p_org_limit
            ORDER BY ranked.org_rank, ranked.priority DESC, ranked.id
            LIMIT p_batch)
          AND claimable.status IN ('pending', 'retrying')
          AND (claimable.lease_until IS NULL OR claimable.lease_until < p_now
               OR claimable.lease_owner IN (SELECT name FROM senders WHERE seen_at < p_dead_before))
          AND (claimable.next_attempt_at IS NULL OR claimable.next_attempt_at <= p_soon)
        FOR UPDATE SKIP LOCKED)
    RETURNING deliveries.*;
END $$;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CLAIM_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS claim_deliveries(timestamptz, timestamptz, timestamptz, timestamptz, varchar, "
            "varchar, integer, integer, integer)"
        )
