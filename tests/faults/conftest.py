"""Private Redis and PostgreSQL servers that a test starts, stops and starts again (never the shared ones), and
PagerBridge processes run against them."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from scripts.dev import redis_command
from tests.conftest import ROOT, _stop_group

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, up: bool = True, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if (sock.connect_ex(("127.0.0.1", port)) == 0) == up:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} never went {'up' if up else 'down'}")


class PrivateRedis:
    """A redis-server of the test's own on a free port, with nothing saved: a restart comes back empty."""

    def __init__(self, directory: Path) -> None:
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            redis_command("redis-server", self.port, self.directory),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        _wait_port(self.port, up=False)


@pytest.fixture()
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, run as the postgres user when the
    test runs as root), on a free port; stop() and start() keep its data."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        self.port, self.directory = free_port(), Path(tempfile.mkdtemp(prefix="pagerbridge-pg-")) / "pgdata"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/pagerbridge"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self.directory.mkdir()
        if self.as_user:
            shutil.chown(self.directory, "postgres", "postgres")
            shutil.chown(self.directory.parent, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.directory), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "pagerbridge")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.directory),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )
        _wait_port(self.port)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "-m", "immediate", "-w", "stop")
        _wait_port(self.port, up=False)


@pytest.fixture()
def private_postgres():
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("PostgreSQL's initdb is not installed here")
    server = PrivatePostgres()
    try:
        server.create()
    except (subprocess.CalledProcessError, KeyError, LookupError) as error:
        shutil.rmtree(server.directory.parent, ignore_errors=True)
        pytest.skip(f"a private PostgreSQL could not be started: {error}")
    yield server
    server.stop()
    shutil.rmtree(server.directory.parent, ignore_errors=True)


@pytest.fixture()
def processes(test_env, tmp_path):
    """spawn(module_or_argv, **env) -> a process of PagerBridge with the test environment plus `env`, its output in
    a log file (process.log_path); every one is stopped at the end."""
    started = []

    def spawn(command, **extra):
        argv = [sys.executable, "-m", command] if isinstance(command, str) else command
        log_path = tmp_path / f"process-{len(started)}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**os.environ, **test_env, **extra},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log_path = log_path
        process.log = lambda: log_path.read_text()
        started.append(process)
        return process

    yield spawn
    _stop_group(*started)  # SIGTERM to all at once, SIGKILL to what is left after 10 s
