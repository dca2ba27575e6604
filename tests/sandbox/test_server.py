"""`python -m sandbox` as run by `make run` and the benchmarks: one process, connections kept alive as PagerDuty's."""

import http.client
import json
import socket
import subprocess
import sys
import time

import pytest

from sandbox.demo import DEMO_API_TOKEN
from tests.conftest import ROOT


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sandbox_process():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--demo", "--events-per-minute", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    process.terminate()
    assert process.wait(timeout=10) is not None


def trigger(connection, dedup_key):
    from sandbox.demo import DEMO_INTEGRATION_KEY

    body = {
        "routing_key": DEMO_INTEGRATION_KEY,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {"summary": "Disk full", "source": "node-1", "severity": "critical"},
    }
    connection.request("POST", "/v2/enqueue", json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    return response, json.loads(response.read())


def test_events_share_one_kept_alive_connection_and_the_key_limit_holds(sandbox_process):
    connection = http.client.HTTPConnection("127.0.0.1", sandbox_process, timeout=10)
    first, answer = trigger(connection, "k-1")
    assert first.status == 202 and answer["dedup_key"] == "k-1"
    assert first.getheader("Connection", "").lower() != "close"
    socket_before = connection.sock
    second, _ = trigger(connection, "k-2")
    assert second.status == 202
    assert connection.sock is socket_before  # the same TCP connection served both
    third, answer = trigger(connection, "k-3")  # --events-per-minute 2: the third within the minute is refused
    assert third.status == 429 and answer["status"] == "throttle event"
    connection.close()


def test_rest_ui_and_controls_answer_on_the_same_kept_alive_connection(sandbox_process):
    connection = http.client.HTTPConnection("127.0.0.1", sandbox_process, timeout=10)
    trigger(connection, "k-1")
    socket_before = connection.sock
    connection.request("GET", "/incidents?limit=5", headers={"Authorization": f"Token token={DEMO_API_TOKEN}"})
    response = connection.getresponse()
    assert response.status == 200 and [i["incident_key"] for i in json.loads(response.read())["incidents"]] == ["k-1"]
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200 and b"Disk full" in response.read()
    connection.request("GET", "/_sandbox/events?brief=1")
    response = connection.getresponse()
    assert [e["dedup_key"] for e in json.loads(response.read())["events"]] == ["k-1"]
    assert connection.sock is socket_before
    connection.close()
