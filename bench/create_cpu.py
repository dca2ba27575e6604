"""CPU of the API's create paths, in one process: what web spends per `POST /incidents` and `POST /reports`.

    python bench/create_cpu.py                      # 500 incidents and 500 reports; CPU ms per create
    python bench/create_cpu.py --profile 25         # and cProfile's 25 most expensive functions (cumulative)
    python bench/create_cpu.py --only incidents --count 2000

The org is set up as bench/alerts.py's (API token connection to the sandbox, --services enabled services, namespaces
routed to them), and the calls go through Flask's test client: the whole app (auth, rate limit, validation, the
service, logging, metrics) runs in this process, without gunicorn's HTTP parsing. PostgreSQL's own CPU is not in the
figure (another process), as in bench/alerts.py's "CPU per incident: web". The statements each create runs are
counted too. Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override).
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Callable

from alerts import CLUSTER, seed_sandbox, setup_org
from common import bench_env, sandbox_process


def incident_body(n: int, services: int) -> dict[str, object]:
    """The detector's incident, as bench/alerts.py posts it."""
    return {
        "kind": "kubernetes",
        "title": f"cpu {n}",
        "severity": "critical" if n % 10 == 0 else "high",
        "cluster": CLUSTER,
        "namespace": f"ns-{n % services}",
        "external_id": f"cpu-{n}",
    }


def report_body(n: int, services: int) -> dict[str, object]:
    """A scanner's report."""
    return {"title": f"Reflected XSS {n}", "description": "In the search box.", "severity": "high"}


def measure(client, path: str, make: Callable[[int, int], dict], count: int, services: int, first: int) -> float:
    """Seconds of this process's CPU for `count` creates (each must answer 201)."""
    started = time.process_time()
    for n in range(first, first + count):
        response = client.post(path, json=make(n, services))
        if response.status_code != 201:
            raise SystemExit(f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return time.process_time() - started


def statements_of_create(app, client, path: str, make: Callable[[int, int], dict], services: int) -> list[str]:
    """The SQL statements one create runs."""
    from sqlalchemy import event

    from webapp.extensions import db

    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.post(path, json=make(10**6, services))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def main() -> None:
    """Set up, warm up, measure, profile."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--only", choices=("incidents", "reports"))
    parser.add_argument("--dump", help="with --profile: write each profile to DUMP-<path>.prof (for pstats, snakeviz)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one create")
    parser.add_argument("--profile", type=int, default=0, help="print this many functions of cProfile's output")
    args = parser.parse_args()
    _sandbox, sandbox_url = sandbox_process()
    seed_sandbox(sandbox_url, args.services)
    bench_env(sandbox_url, name="pagerbridge_bench_cpu")
    from webapp import create_app

    app = create_app()
    with app.app_context():
        token = setup_org("bench", args.services)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the request log lines are written (and cost), unseen
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    paths = {"incidents": incident_body, "reports": report_body}
    for name, make in paths.items():
        if args.only and name != args.only:
            continue
        path = f"/api/v1/{name}"
        measure(client, path, make, 50, args.services, first=10**7)  # warm-up: caches, pools, imports
        statements = statements_of_create(app, client, path, make, args.services)
        if args.sql:
            print("\n".join(" ".join(sql.split())[:160] for sql in statements), file=sys.__stdout__)
        seconds = measure(client, path, make, args.count, args.services, first=0)
        figure = f"POST {path}: {1000 * seconds / args.count:.2f} ms CPU per create, {len(statements)} SQL statements"
        print(figure, file=sys.__stdout__, flush=True)
        if args.profile:  # a second batch: the profiler's own cost stays out of the figure above
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            measure(client, path, make, args.count, args.services, first=args.count)
            profiler.disable()
            pstats.Stats(profiler, stream=sys.__stdout__).sort_stats("cumulative").print_stats(args.profile)
            if args.dump:
                profiler.dump_stats(f"{args.dump}-{name}.prof")


if __name__ == "__main__":
    main()
