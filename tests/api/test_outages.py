"""Issue 25, finding 7: the API tells callers the truth during outages. A stored incident is never a 500 because
of what runs after the commit; with the database down, a 503 says nothing was stored and to retry."""

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests import factories
from tests.api.test_incidents import K8S
from tests.conftest import DEFAULT_KEY
from webapp.models import Incident


class BrokenRedis:
    """redis-py as it behaved while gunicorn workers respawned: not a RedisError, an AttributeError."""

    def pipeline(self, *args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'sendall'")

    def __getattr__(self, name):
        raise AttributeError(name)


def test_a_stored_incident_is_201_whatever_fails_after_the_commit(api, db, connected, monkeypatch, caplog):
    from webapp import counters, queues

    monkeypatch.setattr(queues, "get_redis", lambda: BrokenRedis())
    monkeypatch.setattr(counters, "get_redis", lambda: BrokenRedis())
    monkeypatch.setattr(counters, "_paused_until", [0.0])
    factories.default_service(connected.id, DEFAULT_KEY)
    response = api.post("/incidents", json={**K8S, "external_id": "after-commit"})
    assert response.status_code == 201, response.json
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Incident)) == 1
    assert "could not wake the senders" in caplog.text  # logged, and the senders poll


def test_after_commit_hook_failures_are_caught_logged_and_counted(db, org, monkeypatch, caplog):
    from webapp import counters, queues
    from webapp.audit.services import record

    def explode(*_args, **_kwargs):
        raise AttributeError("broken client")

    monkeypatch.setattr(queues, "wake_senders", explode)
    before = counters._after_commit_failures[0]
    queues.wake_senders_after_commit()
    record(org.id, "test.change")
    db.session.commit()  # no exception escapes the commit
    assert counters._after_commit_failures[0] == before + 1
    assert "after a commit" in caplog.text


def test_with_the_database_down_the_api_answers_503_saying_nothing_was_stored(api, db, monkeypatch):
    def down(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("connection to server failed: Connection refused"))

    monkeypatch.setattr(Session, "execute", down)
    response = api.post("/incidents", json={**K8S, "external_id": "db-down"})
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    error = response.json["error"]
    assert error["code"] == "database_unavailable"
    assert "nothing was stored" in error["message"] and "same external_id" in error["message"]
    assert "was lost" not in error["message"]


def test_a_retried_post_with_the_same_external_id_stays_one_incident(api, db):
    first = api.post("/incidents", json={**K8S, "external_id": "retried"})
    again = api.post("/incidents", json={**K8S, "external_id": "retried"})
    assert first.status_code == 201 and again.json["id"] == first.json["id"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Incident)) == 1


def test_pages_say_postgresql_is_not_answering_instead_of_a_500(admin_client, monkeypatch):
    def down(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(Session, "execute", down)
    response = admin_client.get("/settings/operations/")
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "PostgreSQL is not answering" in page and "Internal Server Error" not in page


def test_a_connection_lost_during_the_rate_limits_token_lookup_is_no_500(api, db, connected, monkeypatch):
    """Found by bench/faults.py (PostgreSQL restarted): the rate limit swallowed the lost connection of its token
    lookup, and the view's own lookup then met the unusable session (PendingRollbackError: a 500)."""
    from webapp.api import auth

    real, calls = auth.token_in_use, []

    def lost_once(token, **options):
        calls.append(token)
        if len(calls) == 1:  # the rate limit asks first
            db.session.connection().invalidate()  # as psycopg does when the server goes away mid-statement
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return real(token, **options)

    monkeypatch.setattr(auth, "token_in_use", lost_once)
    factories.default_service(connected.id, DEFAULT_KEY)
    response = api.post("/incidents", json={**K8S, "external_id": "lost-connection"})
    assert len(calls) == 2  # the rate limit's lookup and the view's
    assert response.status_code == 201, response.json
