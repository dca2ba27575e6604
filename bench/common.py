"""Shared set-up for the benchmarks: a fresh PostgreSQL database, Redis, the sandbox, app processes on loopback."""

import atexit
import http.client
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STARTED = []  # every background process, stopped at exit even when the benchmark fails half-way


class JsonClient:
    """A detector's keep-alive connection, on the standard library's http.client: requests spends about 1 ms of
    CPU per call, which at 200 calls a second takes a fifth of this 2-core box from the app being measured (http.client
    about 0.3 ms). One per thread."""

    def __init__(self, base_url, headers=None):
        self.host, self.port = base_url.split("://", 1)[1].rsplit(":", 1)
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.connection = None

    def post(self, path, body, timeout=30):
        """(status, parsed JSON answer or None); reconnects once when the server closed the kept-alive connection."""
        payload = json.dumps(body)
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, int(self.port), timeout=timeout)
            try:
                self.connection.request("POST", path, payload, self.headers)
                response = self.connection.getresponse()
                raw = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return response.status, json.loads(raw) if raw else None
        raise AssertionError("unreachable")


def free_port():
    """A TCP port nobody listens on right now (benchmarks never take the fixed 5000/5055)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_env(sandbox_url, name="pagerbridge_bench", **extra):
    """Environment for the app and its processes; recreates the benchmark database (PostgreSQL)."""
    database = os.environ.get("BENCH_DATABASE_URL", f"postgresql://postgres@127.0.0.1/{name}")
    database, name = database.split("?")[0], database.split("?")[0].rsplit("/", 1)[1]
    admin = database.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(
        ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"],
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "SECRET_KEY": "bench",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PAGERBRIDGE_ENV": "bench",
        "PUBLIC_URL": "http://127.0.0.1:5099",
        "PAGERDUTY_API_URL": sandbox_url,
        "PAGERDUTY_EVENTS_URL": sandbox_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }
    os.environ.update(env)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def start(env, *command):
    """A background process in the repo."""
    logs = os.environ.get("BENCH_LOGS")  # a folder: each process's output goes to a file there
    output = open(Path(logs) / f"process-{len(STARTED)}.log", "w") if logs else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(list(command), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    STARTED.append(process)
    return process


def procfile(path=ROOT / "Procfile"):
    """The Procfile's process types and their command lines."""
    lines = (line.split(":", 1) for line in path.read_text().splitlines() if line.strip() and line[0] != "#")
    return {kind.strip(): command.strip() for kind, command in lines}


def procfile_process(env, kind, **extra):
    """One process of a Procfile type, started as the platform would (its line through a shell, with $PORT...)."""
    command = procfile()[kind]
    return start({**env, **extra}, "bash", "-c", f"exec {command}")


def run_procfile(env, senders=2, workers=1):
    """web, `senders` × sender, `workers` × worker and the scheduler, as deployed; returns (processes, base URL)
    once web answers and the senders have registered: [web, *senders, *workers, scheduler]."""
    port = free_port()
    web = procfile_process(env, "web", PORT=str(port))
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    started = [procfile_process(env, "sender") for _ in range(senders)]
    started += [procfile_process(env, "worker") for _ in range(workers)] + [procfile_process(env, "scheduler")]
    wait_for_senders(env, senders)
    wait_for_workers(env, workers)
    return [web, *started], url


def wait_for_senders(env, count, seconds=60):
    """Wait until `count` sender processes have registered their heartbeat."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(env["DATABASE_URL"])
    deadline = time.time() + seconds
    try:
        while True:
            with engine.connect() as connection:
                if connection.execute(sqlalchemy.text("SELECT count(*) FROM senders")).scalar() >= count:
                    return
            if time.time() > deadline:
                raise SystemExit(f"{count} senders did not start")
            time.sleep(0.2)
    finally:
        engine.dispose()


def wait_for_workers(env, count, seconds=60):
    """Wait until `count` workers have registered (their delivery engines run by then)."""
    import redis
    from rq import Worker

    connection = redis.Redis.from_url(env["REDIS_URL"])
    deadline = time.time() + seconds
    while len(Worker.all(connection=connection)) < count:
        if time.time() > deadline:
            raise SystemExit(f"{count} workers did not start")
        time.sleep(0.2)


def command_line(kind):
    """A Procfile line as words, for printing what ran."""
    return shlex.split(procfile()[kind])


def wait_until_up(url, seconds=30):
    """Wait until the app answers /healthz."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def gunicorn(env, port=None, workers=4):
    """The web app under gunicorn on loopback; returns (process, base URL) once it answers."""
    port = port or free_port()
    process = start(
        env,
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--bind",
        f"127.0.0.1:{port}",
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    return process, url


def cpu_seconds(process):
    """CPU time used so far by a process and its children (gunicorn's workers), from /proc (Linux)."""
    total, pids = 0.0, [process.pid]
    while pids:
        pid = pids.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        pids.extend(int(child) for child in children)
    return total


def postgres_cpu_seconds():
    """CPU time used so far by every PostgreSQL process on the box (its backends live as long as the pools do)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def box_cpu_seconds():
    """Busy CPU time of the whole box so far, all cores (user, system, interrupts; not idle or I/O wait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def at_rate(count, rate, one, threads=64):
    """Call one(n) for n in 0…count-1, call n at start + n / rate, on a pool of `threads` (a detector's steady
    stream: a slow answer does not hold the next call back); returns when every call has finished."""
    start_at = time.time()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for n in range(count):
            delay = start_at + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)


def percentile(values, fraction):
    """A simple percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def stop(*processes):
    """Terminate background processes."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def sandbox_process(port=None, events_per_minute=0, latency_ms=0):
    """The sandbox in its own process (so the load generator does not share its interpreter), with PagerDuty's
    per-key limit (events_per_minute, 0 for none) and answer time (latency_ms); returns (process, url)."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--events-per-minute", str(events_per_minute)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    STARTED.append(process)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            requests.post(url + "/_sandbox/reset", json={"events_per_minute": events_per_minute or None}, timeout=1)
            requests.post(url + "/_sandbox/config", json={"latency_ms": latency_ms}, timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the sandbox did not start")


atexit.register(lambda: stop(*STARTED))
