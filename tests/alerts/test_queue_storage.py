"""The deliveries table as a queue on PostgreSQL: a claim's lease is a HOT update (no new index entry, no dead
"pending" entry for the next claims to step over), and autovacuum comes after 1% of the rows changed."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from tests import factories
from tests.alerts.test_claiming import queue
from webapp.alerts.claiming import claim_call
from webapp.models.types import utcnow

pytestmark = pytest.mark.postgres


def hot_updates_so_far(db):
    """HOT updates of deliveries in this transaction (PostgreSQL's own per-transaction counter)."""
    return db.session.execute(text("SELECT pg_stat_get_xact_tuples_hot_updated('deliveries'::regclass)")).scalar()


def test_deliveries_keep_room_for_hot_updates_and_vacuum_early(db):
    options = db.session.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'deliveries'")).scalar()
    assert set(options) >= {
        "fillfactor=70",
        "autovacuum_vacuum_scale_factor=0.01",
        "autovacuum_vacuum_threshold=1000",
    }


def test_a_claim_leases_its_rows_without_touching_an_index(db, redis):
    org = factories.org_with_users()
    ids = queue(db, org.id, "c" * 32, 60)[:3]  # the first rows sit on a page the later inserts filled
    # The senders' claim commits on its own (autocommit): run the same call inside this transaction to count.
    before = hot_updates_so_far(db)
    now = utcnow()
    claimed = db.session.execute(
        claim_call(),
        {
            "now": now,
            "soon": now,
            "until": now + timedelta(seconds=60),
            "dead_before": now - timedelta(seconds=10),
            "token": "t",
            "owner": "s1",
            "batch": 3,
            "org_limit": 10,
            "per_key": 4,
        },
    ).all()
    assert sorted(row.id for row in claimed) == sorted(ids)
    assert hot_updates_so_far(db) - before == 3
