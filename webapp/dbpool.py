"""Pooled database connections: one idle for a while is pinged before use; one in steady use is not."""

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

# pool_pre_ping would add a round trip to every request (a "SELECT 1" before each checkout). Under load connections
# come back into use within milliseconds, and a connection broken meanwhile costs one 503 (SQLAlchemy then drops the
# whole pool); a connection that sat idle is the one a database restart or an idle timeout has most likely closed.
IDLE_SECONDS = 2.0
RETURNED_AT = "pagerbridge.returned_at"


def ping_idle_connections(engine: Engine, idle_seconds: float = IDLE_SECONDS) -> None:
    """Ping a pooled connection at checkout when it sat unused over `idle_seconds`; a dead one is replaced."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_when_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(RETURNED_AT)
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # the pool discards this connection and checks out a fresh one (up to three times)
            raise exc.DisconnectionError(str(error)) from error
