"""Fixtures for tests that run several real sender processes, or stop one the hard way."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TEST_REDIS_URL, _stop_group, start_sender, wait_for
from tests.faults.conftest import private_redis  # noqa: F401 - a Redis of the test's own, as the fault tests have


@pytest.fixture()
def spawn_worker(db, test_env, tmp_path):
    """Start `python -m jobs.worker` processes with extra environment; all are stopped at the end."""
    from redis import Redis
    from rq import Worker

    started = []
    connection = Redis.from_url(TEST_REDIS_URL)

    def spawn(**extra):
        log_path = tmp_path / f"worker-{len(started)}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "jobs.worker"],
                cwd=ROOT,
                env={**os.environ, **test_env, **extra},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log_path = log_path
        started.append(process)
        alive = [p for p in started if p.poll() is None]
        wait_for(lambda: len(Worker.all(connection=connection)) >= len(alive), timeout=30)
        return process

    yield spawn
    _stop_group(*started)  # all at once; one the test killed itself is passed over


@pytest.fixture()
def spawn_sender(db, test_env, tmp_path):
    """Start `python -m jobs.sender` processes with extra environment; all are stopped at the end."""
    started = []

    def spawn(**extra):
        process = start_sender(test_env, tmp_path / f"sender-{len(started)}.log", **extra)
        started.append(process)
        return process

    yield spawn
    _stop_group(*started)  # all at once; one the test killed itself is passed over
