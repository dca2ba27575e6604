"""The claim's shape on PostgreSQL: one round trip (lock and claim in one call, in autocommit), the lock never held
across a client round trip, and a fresh snapshot once the lock is granted (the per-org cap holds across senders)."""

import threading
import time

import pytest
from psycopg import errors, pq
from sqlalchemy import event, text

from tests import factories
from tests.alerts.test_claiming import queue
from webapp.alerts.claiming import CLAIM_LOCK, claim_rows

pytestmark = pytest.mark.postgres


def test_a_claim_is_one_statement_and_leaves_no_transaction_open(db, redis):
    org = factories.org_with_users()
    ids = queue(db, org.id, "c" * 32, 3)
    seen = []

    def executed(connection, _cursor, statement, _parameters, _context, _many):
        dbapi = connection.connection.dbapi_connection
        seen.append((statement, dbapi.autocommit, dbapi.info.transaction_status))

    event.listen(db.engine, "after_cursor_execute", executed)
    try:
        claimed = claim_rows(limit=5, org_limit=5, owner="s1")
    finally:
        event.remove(db.engine, "after_cursor_execute", executed)
    assert sorted(row.id for row, _ in claimed) == sorted(ids)
    [(statement, autocommit, status)] = seen  # no BEGIN, no advisory lock call, no COMMIT of its own
    assert "claim_deliveries(" in statement and autocommit
    assert status == pq.TransactionStatus.IDLE  # committed, lock released, when the answer reaches the client
    assert db.session.connection().connection.dbapi_connection.autocommit is False  # the pool's default is back


def test_the_claim_function_takes_the_claims_lock(app, db, redis):
    org = factories.org_with_users()
    queue(db, org.id, "c" * 32, 2)
    with db.engine.connect() as holder, db.engine.connect() as claimer:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": CLAIM_LOCK})
        claimer.execute(text("SET lock_timeout = '50ms'"))
        with pytest.raises(Exception) as raised:
            claimer.execute(text("SELECT * FROM claim_deliveries(now(), now(), now(), now(), 't', 's', 5, 5, 4)"))
        assert isinstance(raised.value.orig, errors.LockNotAvailable)
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": CLAIM_LOCK})
        holder.commit()


def test_a_claim_sees_the_leases_committed_while_it_waited_for_the_lock(app, db, redis):
    org = factories.org_with_users()
    ids = queue(db, org.id, "c" * 32, 2) + queue(db, org.id, "d" * 32, 2) + queue(db, org.id, "e" * 32, 2)
    claimed = []

    def claim():
        with app.app_context():
            claimed.extend(claim_rows(limit=8, org_limit=5, owner="late"))
            db.session.remove()

    with db.engine.connect() as first:
        first.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
        first.execute(
            text(
                "UPDATE deliveries SET lease_until = now() + interval '60 seconds', lease_token = 'first' "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": ids[:4]},
        )
        waiter = threading.Thread(target=claim)
        waiter.start()
        _wait_until_a_claim_waits_for_the_lock(first)
        first.commit()  # its four leases and the lock's release, as a claim before this one
    waiter.join()
    assert [row.id for row, _ in claimed] == [ids[4]]  # 5 in flight at most: four were leased before it ran


def _wait_until_a_claim_waits_for_the_lock(connection, seconds=10.0):
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :key")
    deadline = time.monotonic() + seconds
    while not connection.execute(waiting, {"key": CLAIM_LOCK}).scalar():
        assert time.monotonic() < deadline, "the claim never waited for the lock"
        time.sleep(0.01)


def test_the_claim_is_planned_for_the_queue_as_it_is_at_each_call(db):
    # A generic plan cached while the queue was small scanned the org's whole history for each due row.
    settings = db.session.execute(text("SELECT proconfig FROM pg_proc WHERE proname = 'claim_deliveries'")).scalar()
    assert "plan_cache_mode=force_custom_plan" in settings
