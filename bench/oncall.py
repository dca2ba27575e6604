"""On-call sync at scale: one full round for 500 orgs in PagerDuty mode, on one worker, against the sandbox.

    python bench/oncall.py [--orgs 500] [--workers 1]

Seeds one sandbox account per org (a daily schedule of two users) and the orgs, enqueues the round as the scheduler
does (`jobs.oncall.sync_all`: one job per org) and times it until every org has synced. Goal: well inside the
5-minute period. Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override).
"""

import argparse
import sys
import time
from datetime import UTC, datetime

import requests
from common import bench_env, sandbox_process, start, stop

START = datetime(2026, 1, 5, tzinfo=UTC).timestamp()


def seed_sandbox(url, orgs):
    """One account per org, each with a schedule rotating its two users daily."""
    accounts = [
        {
            "api_token": f"bench-oncall-{n}",
            "users": [
                {"name": f"Alice {n}", "email": f"alice{n}@bench.example"},
                {"name": f"Bob {n}", "email": f"bob{n}@bench.example"},
            ],
            "schedules": [
                {
                    "id": "PSCHEDB",
                    "name": "Primary",
                    "users": [f"alice{n}@bench.example", f"bob{n}@bench.example"],
                    "shift_seconds": 86400,
                    "start": START,
                }
            ],
        }
        for n in range(orgs)
    ]
    requests.post(url + "/_sandbox/seed", json={"accounts": accounts}, timeout=60).raise_for_status()


def seed_orgs(orgs):
    """The orgs, connected with their account's token and following its schedule."""
    from webapp import create_app
    from webapp.connection.services import connect_api_token
    from webapp.oncall.services import set_mode
    from webapp.orgs.services import create_org
    from webapp.users.services import create_user

    app = create_app()
    with app.app_context():
        for n in range(orgs):
            org = create_org(f"org-{n}", f"Org {n}")
            for name in ("alice", "bob"):
                create_user(org.id, f"{name}{n}@bench.example", "admin", "a-long-password")
            connect_api_token(org.id, f"bench-oncall-{n}")
            set_mode(org.id, "pagerduty", "PSCHEDB", "Primary")
    return app


def synced_count(app, since):
    """How many orgs have synced since `since`."""
    from webapp.extensions import db
    from webapp.models import OnCallSettings

    with app.app_context():
        count = db.session.scalar(
            db.select(db.func.count())
            .select_from(OnCallSettings)
            .where(OnCallSettings.last_sync_at >= since, OnCallSettings.last_sync_error.is_(None))
        )
        db.session.remove()
        return count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sandbox, sandbox_url = sandbox_process()
    seed_sandbox(sandbox_url, args.orgs)
    env = bench_env(sandbox_url, name="pagerbridge_bench_oncall")
    started = time.perf_counter()
    app = seed_orgs(args.orgs)
    print(f"{args.orgs} orgs seeded and connected in {time.perf_counter() - started:.1f} s")
    workers = [start(env, sys.executable, "-m", "jobs.worker") for _ in range(args.workers)]
    time.sleep(3)
    from jobs.oncall import sync_all
    from webapp.models.types import utcnow

    with app.app_context():
        since = utcnow()
        started = time.perf_counter()
        sync_all()
    while synced_count(app, since) < args.orgs and time.perf_counter() - started < 600:
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    done = synced_count(app, since)
    print(
        f"one round: {done} of {args.orgs} orgs synced in {elapsed:.1f} s on {args.workers} worker(s) "
        f"({elapsed / max(done, 1) * 1000:.0f} ms per org; the period is 300 s)"
    )
    stop(sandbox, *workers)


if __name__ == "__main__":
    main()
