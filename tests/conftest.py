"""Shared fixtures: app, db, clients per role, htmx client, CLI runner, real Redis and RQ worker, the sandbox."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SQLITE_PATH = Path(tempfile.gettempdir()) / f"pagerbridge-test-{os.getpid()}.db"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{SQLITE_PATH}"
PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's locking: on SQLite they are reported as skipped, never passed."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL); SQLite has no row locking")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sandbox():
    """The PagerDuty sandbox on a free local port, for the whole session (reset by `pd`)."""
    from sandbox.testing import start_sandbox

    handle = start_sandbox(port=0)
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def test_env(sandbox):
    """The environment the app, its CLI and its worker processes run with."""
    env = {
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": "test-secret-key",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_URL": "http://pagerbridge.test",
        "PAGERDUTY_API_URL": sandbox.url,
        "PAGERDUTY_EVENTS_URL": sandbox.url,
        "PAGERBRIDGE_ENV": "test",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def app(test_env):
    """The app with its schema built by running the migrations from empty."""
    from flask_migrate import downgrade, upgrade

    from webapp import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SERVER_NAME": None})
    app.before_request(_forget_cached_user)
    with app.app_context():
        from webapp.extensions import db

        _drop_claim_function(db)  # it returns rows of deliveries: drop_all cannot drop the table before it
        db.drop_all()
        _drop_alembic_version(db)
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
    SQLITE_PATH.unlink(missing_ok=True)


def _forget_cached_user():
    """Tests keep one app context open across requests; Flask-Login caches the user in `g`, so drop it."""
    from flask import g

    g.pop("_login_user", None)


def _drop_claim_function(db):
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP FUNCTION IF EXISTS claim_deliveries"))
        db.session.commit()


def _drop_alembic_version(db):
    from sqlalchemy import text

    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


@pytest.fixture()
def db(app, redis):
    """A clean database (and Redis) for each test, inside an app context."""
    from webapp.extensions import db as database

    with app.app_context():
        _empty_tables(database)
        yield database
        database.session.remove()


def _empty_tables(database):
    """Every row deleted, children first; on PostgreSQL the ids start again at 1, as on a fresh database."""
    tables = [table.name for table in reversed(database.metadata.sorted_tables)]
    if database.engine.dialect.name == "postgresql":
        _delete_all(database, tables)
    else:
        for table in tables:
            database.session.execute(database.text(f"DELETE FROM {table}"))
    database.session.commit()


@pytest.fixture()
def redis(test_env):
    """The real test Redis, emptied."""
    from redis import Redis

    connection = Redis.from_url(TEST_REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture()
def pd(sandbox):
    """The sandbox, reset and unthrottled, with its state for assertions."""
    sandbox.state.reset()
    yield sandbox
    sandbox.state.reset()


@pytest.fixture()
def client(app, db):
    """A browser-like client, not logged in."""
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    """The Flask CLI runner."""
    return app.test_cli_runner()


@pytest.fixture()
def org(db):
    """An org with an admin and a member."""
    from tests import factories

    return factories.org_with_users()


def login(app, email, headers=None):
    """A test client logged in as the user with this email."""
    client = app.test_client()
    if headers:
        client.environ_base.update(headers)
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture()
def admin_client(app, org):
    """Logged in as the org's admin."""
    return login(app, org.admin_email)


@pytest.fixture()
def member_client(app, org):
    """Logged in as the org's member."""
    return login(app, org.member_email)


@pytest.fixture()
def htmx_client(app, org):
    """Logged in as admin, sending HX-Request: true like htmx does."""
    return login(app, org.admin_email, {"HTTP_HX_REQUEST": "true"})


@pytest.fixture()
def api(app, org):
    """A JSON API client for the org, with a fresh bearer token."""
    from tests.factories import ApiClient

    return ApiClient(app.test_client(), org.api_token)


# The few rows a test leaves are deleted, not truncated: TRUNCATE makes new files for every table and index and
# syncs them at commit, half a second a test on a busy box (minutes a run); DELETE of a few rows takes milliseconds.
RESTART_SEQUENCES = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


def _delete_all(database, tables, attempts=20):
    """DELETE every row and restart the ids, retried rather than blocked: a PostgreSQL backend of a stopped worker
    may still hold a row lock."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            database.session.execute(database.text("SET LOCAL lock_timeout = '2s'"))
            for table in tables:
                database.session.execute(database.text(f"DELETE FROM {table}"))
            database.session.execute(database.text(RESTART_SEQUENCES))
            return
        except OperationalError:
            database.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


def _spawn(module, env, log_path):
    """Start `python -m <module>` in a session of its own; its output goes to a file: a pipe nobody reads fills up and
    blocks the process mid-job."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log_path = log_path
    return process


def _stop_group(*processes):
    """SIGTERM the processes and their children (all at once: each finishes its own work meanwhile), SIGKILL what is
    left after 10 s: no orphan outlives the test."""
    import signal

    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _worker_registered(connection):
    """The worker has registered with RQ (its delivery engine started before that)."""
    from rq import Worker

    return bool(Worker.all(connection=connection))


@pytest.fixture()
def worker(db, test_env, tmp_path):
    """A real worker (`python -m jobs.worker`) and a real sender (`python -m jobs.sender`) on the test Redis and
    database, for one test: started once the database and Redis are clean, stopped at the end (the worker after its
    current job, the sender after its sends in flight).

    One pair per test, so no worker is left to take the jobs of tests that run their jobs themselves, and none
    carries a cache or a connection from one test's rows into the next. The two start side by side (each spends
    seconds importing the app) and are stopped together.
    """
    from redis import Redis

    env = {**os.environ, **test_env}
    process = _spawn("jobs.worker", env, tmp_path / "worker.log")
    sender = _spawn("jobs.sender", env, tmp_path / "sender.log")
    try:
        connection = Redis.from_url(TEST_REDIS_URL)
        wait_for(lambda: _worker_registered(connection) or process.poll() is not None, timeout=30)
        wait_for(lambda: _sender_registered(sender) or sender.poll() is not None, timeout=30)
        assert process.poll() is None, process.log_path.read_text()
        assert sender.poll() is None, sender.log_path.read_text()
        yield process
    finally:
        _stop_group(process, sender)


def start_sender(env, log_path, **extra):
    """Start `python -m jobs.sender` and wait until it has registered its heartbeat; returns the process."""
    extra_env = {key: str(value) for key, value in extra.items()}
    process = _spawn("jobs.sender", {**os.environ, **env, **extra_env}, log_path)
    wait_for(lambda: _sender_registered(process) or process.poll() is not None, timeout=30)
    assert process.poll() is None, log_path.read_text()
    return process


def _sender_registered(process):
    from webapp.extensions import db
    from webapp.models import Sender

    db.session.rollback()
    return db.session.scalar(db.select(Sender.name).where(Sender.pid == process.pid)) is not None


def wait_for(predicate, timeout=10.0, interval=0.05):
    """Poll until predicate() is truthy; return its value or fail the test.

    What it waits for is written by other processes (the worker, the sandbox's webhooks): each look reads the
    database afresh instead of trusting rows the test's session already holds.
    """
    from flask import has_app_context

    from webapp.extensions import db

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if has_app_context():
            db.session.expire_all()
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {getattr(predicate, '__name__', predicate)}")


PD_TOKEN = "sandbox-test-token-0001"
VDP_KEY = "a" * 31 + "1"
DEFAULT_KEY = "b" * 31 + "2"


@pytest.fixture()
def pd_account(pd):
    """A sandbox account: a user token, a VDP service, a default service, two users."""
    pd.state.seed(
        {
            "accounts": [
                {
                    "api_token": PD_TOKEN,
                    "token_type": "user",
                    "user_email": "responder@example.com",
                    "services": [
                        {"name": "Security VDP", "id": "PVDP001", "integration_key": VDP_KEY},
                        {"name": "Platform", "id": "PPLAT01", "integration_key": DEFAULT_KEY},
                    ],
                    "users": [{"name": "Responder", "email": "responder@example.com"}],
                }
            ]
        }
    )
    return pd


@pytest.fixture()
def connected(org, pd_account, redis):
    """The org connected to the sandbox with an API token and a VDP integration key.

    Connecting queues a health check of the new credentials; the fixture drops it, so a test sees only the jobs that
    its own actions queue.
    """
    from rq import Queue

    from webapp.connection.services import connect_api_token

    connect_api_token(org.id, PD_TOKEN, VDP_KEY)
    Queue("default", connection=redis).empty()
    return org
