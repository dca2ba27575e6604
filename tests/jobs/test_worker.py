"""A real RQ worker process runs jobs enqueued after the database commit."""

from jobs.maintenance import HEARTBEAT_KEY, heartbeat
from tests.conftest import wait_for
from webapp.audit.services import record
from webapp.queues import enqueue_after_commit


def test_job_enqueued_after_commit_runs_in_the_worker(worker, db, org, redis):
    enqueue_after_commit(heartbeat)
    assert redis.get(HEARTBEAT_KEY) is None
    record(org.id, "test.change")
    db.session.commit()
    assert wait_for(lambda: redis.get(HEARTBEAT_KEY))


def test_rolled_back_transaction_enqueues_nothing(db, redis):
    enqueue_after_commit(heartbeat)
    db.session.rollback()
    db.session.commit()
    from rq import Queue

    assert Queue("default", connection=redis).count == 0


def test_worker_stops_gracefully_on_sigterm(test_env, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=ROOT,
            env={**os.environ, **test_env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: "listening on" in log.read_text(), timeout=20)  # even before RQ's own handlers are in
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    assert process.returncode == 0, log.read_text()
