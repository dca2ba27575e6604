"""Pooled connections: pinged before use only after sitting idle; a dead idle one is replaced, unseen by the caller."""

import time
from types import SimpleNamespace

import pytest
import sqlalchemy
from sqlalchemy import text

from tests.conftest import TEST_DATABASE_URL
from webapp import dbpool


@pytest.fixture
def clock(monkeypatch):
    """dbpool's monotonic clock, moved by hand."""
    now = [time.monotonic()]
    monkeypatch.setattr(dbpool, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


@pytest.fixture
def pings(db, monkeypatch):
    """The pings the app's engine runs (its dialect's do_ping, counted)."""
    seen = []
    original = db.engine.dialect.do_ping

    def counted(dbapi_connection):
        seen.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return seen


def use(engine):
    """One checkout, one statement, one checkin."""
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar()


def test_a_connection_back_in_use_at_once_is_not_pinged_one_idle_is(db, clock, pings):
    use(db.engine)  # the app's own engine, as configured by the factory
    clock[0] += 0.5
    use(db.engine)
    assert pings == []
    clock[0] += dbpool.IDLE_SECONDS + 1
    use(db.engine)
    assert len(pings) == 1


def test_the_factory_no_longer_pings_every_checkout(app):
    assert not app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_pre_ping")
    with app.app_context():
        from webapp.extensions import db

        assert db.engine.pool._pre_ping is False


@pytest.mark.postgres
def test_an_idle_connection_the_server_closed_is_replaced_without_an_error(clock):
    engine = sqlalchemy.create_engine(TEST_DATABASE_URL, pool_size=1, max_overflow=0)
    dbpool.ping_idle_connections(engine)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        killer = sqlalchemy.create_engine(TEST_DATABASE_URL)
        with killer.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
        killer.dispose()
        clock[0] += dbpool.IDLE_SECONDS + 1
        with engine.connect() as connection:  # the pool's only connection is dead: pinged, dropped, reconnected
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != backend
    finally:
        engine.dispose()
