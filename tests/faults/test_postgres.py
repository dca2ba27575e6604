"""Issue 25, findings 7 and 8 as deployed: a web process and the CLI against a PostgreSQL the test stops and starts.

Needs PostgreSQL's initdb on this machine (skipped elsewhere)."""

import os
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import ROOT, wait_for
from tests.faults.conftest import free_port

pytestmark = pytest.mark.postgres
K8S = {"kind": "kubernetes", "title": "Node down", "severity": "high", "cluster": "prod", "namespace": "api"}


def flask(env, *args, check=True):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def test_postgresql_stopped_is_told_and_nothing_is_stored_twice(test_env, redis, private_postgres, processes):
    env = {**test_env, "DATABASE_URL": private_postgres.url, "METRICS_TOKEN": "fault-metrics"}
    flask(env, "db", "upgrade")
    flask(env, "orgs", "create", "acme", "--name", "Acme")
    token = flask(env, "tokens", "create", "--org", "acme").stdout.strip().splitlines()[-1].strip()
    port = free_port()
    web = processes(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "wsgi:app",
            "--workers",
            "1",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        **env,
    )
    base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    wait_for(lambda: _get(base + "/healthz") == 200, timeout=30)

    def post(external_id):
        return requests.post(
            f"{base}/api/v1/incidents", json={**K8S, "external_id": external_id}, headers=auth, timeout=10
        )

    assert post("before").status_code == 201
    private_postgres.stop()

    refused = post("during")
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "5"
    message = refused.json()["error"]["message"]
    assert "nothing was stored" in message and "same external_id" in message
    ready = requests.get(base + "/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "ok"
    metrics = requests.get(base + "/metrics", headers={"Authorization": "Bearer fault-metrics"}, timeout=10)
    assert metrics.status_code == 200 and "pagerbridge_database_up 0.0" in metrics.text
    assert "pagerbridge_redis_up 1.0" in metrics.text
    status = flask(env, "pagerduty", "status", "--org", "acme", check=False)
    assert status.returncode == 1 and "PostgreSQL is not answering" in status.stderr
    assert "Traceback" not in status.stderr + status.stdout and "Redis is answering" in status.stderr

    private_postgres.start()
    deadline = time.monotonic() + 30
    while (retried := post("during")).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.5)  # the pool's connections from before the restart are dropped at their first use
    assert retried.status_code == 201, retried.text
    again = post("during")
    assert again.json()["id"] == retried.json()["id"]
    listed = requests.get(f"{base}/api/v1/incidents", params={"external_id": "during"}, headers=auth, timeout=10)
    assert len(listed.json()["items"]) == 1
    assert requests.get(base + "/readyz", timeout=10).status_code == 200
    assert web.poll() is None


def _get(url):
    try:
        return requests.get(url, timeout=2).status_code
    except requests.RequestException:
        return None
