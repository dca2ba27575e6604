"""The web's CPU per `POST /api/v1/incidents` under gunicorn, alone: the Procfile's web line (or another) at a rate.

    python bench/web_cpu.py                                   # the Procfile's web line, 3,000 at 200/s
    python bench/web_cpu.py --web "gunicorn wsgi:app --workers 2 --threads 8 --bind 0.0.0.0:\\$PORT"
    python bench/web_cpu.py --healthz                         # and GET /healthz at the same rate

No senders run (the deliveries stay pending; the web's work per create is the same), so the figure is the web's
alone, from /proc (gunicorn's master and workers), as bench/alerts.py's "CPU per incident: web" measures it, with
the load generator's keep-alive connections (one per thread, as a detector keeps). Compare gunicorn settings or
code on the same box back to back: the box is shared, so run each setting twice. Needs PostgreSQL and Redis on
localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override).
"""

import argparse
import http.client
import threading
import time

from alerts import post_all, seed_sandbox, setup_org
from common import at_rate, bench_env, cpu_seconds, free_port, procfile, sandbox_process, start, stop, wait_until_up


def get_all(url: str, count: int, rate: float) -> int:
    """GET /healthz `count` times at `rate` per second over keep-alive connections; returns the 200s."""
    local, answered, lock = threading.local(), [0], threading.Lock()

    def one(_n: int) -> None:
        if not hasattr(local, "connection"):  # one keep-alive connection per thread
            host, port = url.split("://", 1)[1].rsplit(":", 1)
            local.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        local.connection.request("GET", "/healthz")
        response = local.connection.getresponse()
        response.read()
        with lock:
            answered[0] += response.status == 200

    at_rate(count, rate, one)
    return answered[0]


def main() -> None:
    """Start the sandbox and the web, post, print the web's CPU per call."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--web", help="the web's command line (default: the Procfile's web line)")
    parser.add_argument("--healthz", action="store_true", help="also GET /healthz --count times at --rate")
    args = parser.parse_args()
    _sandbox, sandbox_url = sandbox_process()
    seed_sandbox(sandbox_url, args.services)
    env = bench_env(sandbox_url, name="pagerbridge_bench_web")
    env["PAGERBRIDGE_API_RATE_LIMIT"] = "1000000/minute"  # the budget is not what this measures
    from webapp import create_app

    with create_app().app_context():
        token = setup_org("bench", args.services)
    port = free_port()
    command = args.web or procfile()["web"]
    web = start({**env, "PORT": str(port)}, "bash", "-c", f"exec {command}")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url)
        print(f"web: {command}")
        post_all(url, token, 200, args.rate, args.services, prefix="warm")  # warm-up: imports, pools, caches
        before = cpu_seconds(web)
        sent = post_all(url, token, args.count, args.rate, args.services)
        time.sleep(0.5)
        used = cpu_seconds(web) - before
        each = 1000 * used / args.count
        print(f"POST /api/v1/incidents: {len(sent)} of {args.count} answered 201; web CPU {each:.2f} ms each")
        if args.healthz:
            before = cpu_seconds(web)
            answered = get_all(url, args.count, args.rate)
            time.sleep(0.5)
            used = cpu_seconds(web) - before
            each = 1000 * used / args.count
            print(f"GET /healthz: {answered} of {args.count} answered 200; web CPU {each:.2f} ms each")
    finally:
        stop(web)


if __name__ == "__main__":
    main()
