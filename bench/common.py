"""Shared set-up for the benchmarks: a fresh PostgreSQL database, Redis, the sandbox, app processes on loopback."""

import atexit
import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STARTED = []  # every background process, stopped at exit even when the benchmark fails half-way


def bench_env(sandbox_url, name="pagerbridge_bench", **extra):
    """Environment for the app and its processes; recreates the benchmark database (PostgreSQL)."""
    database = os.environ.get("BENCH_DATABASE_URL", f"postgresql://postgres@127.0.0.1/{name}")
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
    process = subprocess.Popen(list(command), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    STARTED.append(process)
    return process


def gunicorn(env, port=5099, workers=4):
    """The web app under gunicorn on loopback; returns (process, base URL) once it answers."""
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
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return process, url
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


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


def sandbox_process(port=5098, events_per_minute=0):
    """The sandbox in its own process (so the load generator does not share its interpreter); returns (process, url)."""
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
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the sandbox did not start")


atexit.register(lambda: stop(*STARTED))
