"""A Redis and a PostgreSQL of the benchmark's own on free ports, to stop and start (never the shared ones)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from common import STARTED, free_port

from scripts.dev import redis_command

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_port(port, up=True, seconds=30):
    """Wait until something listens on the port (up) or nothing does."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if (probe.connect_ex(("127.0.0.1", port)) == 0) == up:
                return
        time.sleep(0.05)
    raise SystemExit(f"port {port} never went {'up' if up else 'down'}")


class OwnRedis:
    """redis-server on a free port, saving nothing: a restart comes back empty, as a lost Redis would."""

    def __init__(self):
        self.port, self.directory, self.process = free_port(), tempfile.mkdtemp(prefix="pagerbridge-redis-"), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            redis_command("redis-server", self.port, Path(self.directory)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        STARTED.append(self.process)
        wait_port(self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_port(self.port, up=False)


class OwnPostgres:
    """A throw-away PostgreSQL cluster (initdb in a temporary directory, as the postgres user when run as root);
    stop() and start() keep its data. Removed at exit."""

    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="pagerbridge-pg-")) / "pgdata"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/pagerbridge_faults"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command):
        subprocess.run([*self.as_user, str(PG_BIN / command[0]), *command[1:]], check=True, capture_output=True)

    def create(self):
        self.directory.mkdir()
        if self.as_user:
            shutil.chown(self.directory, "postgres", "postgres")
            shutil.chown(self.directory.parent, "postgres", "postgres")
        self._run("initdb", "-D", str(self.directory), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.directory), "-o", options, "-l", str(self.directory / "log"), "-w", "start")
        wait_port(self.port)

    def stop(self, mode="immediate"):
        """Stop the server; "immediate" is a crash as far as the clients can tell (no goodbye on any connection)."""
        self._run("pg_ctl", "-D", str(self.directory), "-m", mode, "-w", "stop")
        wait_port(self.port, up=False)

    def remove(self):
        if (self.directory / "postmaster.pid").exists():
            subprocess.run(
                [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "-m", "immediate", "stop"],
                capture_output=True,
            )
        shutil.rmtree(self.directory.parent, ignore_errors=True)
