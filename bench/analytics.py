"""Response analytics at scale: the 90-day API answer and the /analytics page over 100,000 reports and incidents.

    python bench/analytics.py [--rows 100000] [--requests 20]

Seeds one org with ROWS reports and incidents paged over the last 90 days (a fifth of them never acknowledged, a
third still open, 12 services, 4 severities, 6 responders) and a second org with a tenth as many, on PostgreSQL;
then times GET /api/v1/analytics (JSON for each group_by, and CSV) and the page (full and htmx fragment) in-process,
printing the median and p95 server time. Goals: API < 300 ms, page < 500 ms. BENCH_DATABASE_URL overrides the database.
"""

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from common import bench_env, percentile
from sqlalchemy import insert

DAYS = 90
SERVICES = [f"service {n:02d}" for n in range(12)]
SEVERITIES = ("info", "warning", "error", "critical")
RESPONDERS = ("Ada Lovelace", "Bob Kahn", "Carol Shaw", "Dan Bricklin", "Eve Ray", "Fay Kim")


def _response(started):
    """PagerDuty's side of one report or incident: paged, maybe acknowledged, maybe resolved."""
    paged = started + timedelta(seconds=random.uniform(1, 120))
    acknowledged = paged + timedelta(seconds=random.expovariate(1 / 600)) if random.random() < 0.8 else None
    resolved = (
        (acknowledged or paged) + timedelta(seconds=random.expovariate(1 / 7200)) if random.random() < 0.66 else None
    )
    return {
        "pd_status": "resolved" if resolved else "acknowledged" if acknowledged else "triggered",
        "pd_paged_at": paged,
        "pd_service": random.choice(SERVICES),
        "pd_severity": random.choice(SEVERITIES),
        "pd_acknowledged_at": acknowledged,
        "pd_acknowledged_by": random.choice(RESPONDERS) if acknowledged else None,
        "pd_resolved_at": resolved,
        "pd_page_seconds": (paged - started).total_seconds(),
        "pd_ack_seconds": (acknowledged - paged).total_seconds() if acknowledged else None,
        "pd_resolve_seconds": (resolved - paged).total_seconds() if resolved else None,
    }


def seed(db, org_id, rows, now):
    """`rows` reports and incidents (half each) started at random over the last DAYS days."""
    from webapp.models import Incident, Report

    for chunk in range(0, rows, 5_000):
        reports, incidents = [], []
        for _ in range(chunk, min(chunk + 5_000, rows)):
            started = now - timedelta(seconds=random.uniform(0, DAYS * 86400))
            if random.random() < 0.5:
                status = random.choice(("new", "triaging", "validated", "resolved", "dismissed"))
                sla = "breached" if random.random() < 0.1 else "ok"
                reports.append(
                    {"org_id": org_id, "title": "report", "submitted_at": started, "status": status, "sla_state": sla}
                    | _response(started)
                )
            else:
                kind = random.choice(("kubernetes", "cloud"))
                incidents.append(
                    {"org_id": org_id, "kind": kind, "title": "incident", "severity": "high", "created_at": started}
                    | _response(started)
                )
        db.session.execute(insert(Report), reports)
        db.session.execute(insert(Incident), incidents)
        db.session.commit()


def timed(client, path, count, headers=None):
    """Server times (ms) of `count` requests."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="time the database seeded by an earlier run again")
    args = parser.parse_args()
    random.seed(48)
    if args.reuse:
        return time_requests(*reused(), args.requests)
    bench_env("http://127.0.0.1:9", name="pagerbridge_bench_analytics", LOG_LEVEL="WARNING")  # no request lines
    from webapp import create_app
    from webapp.api.services import create_token
    from webapp.extensions import db
    from webapp.orgs.services import create_org
    from webapp.users.services import create_user

    app = create_app()
    now = datetime.now(UTC)
    with app.app_context():
        org, other = create_org("big", "Big Org"), create_org("other", "Other Org")
        member = create_user(org.id, "member@big.example", "member", "a-long-password")
        token = create_token(org.id)
        started = time.perf_counter()
        seed(db, org.id, args.rows, now)
        seed(db, other.id, args.rows // 10, now)
        print(
            f"seeded {args.rows:,} + {args.rows // 10:,} reports and incidents in {time.perf_counter() - started:.1f} s"
        )
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        session_id = member.get_id()
    time_requests(app, token, session_id, args.requests)


def reused():
    """The app on the database an earlier run seeded (BENCH_DATABASE_URL), with a fresh token: (app, token, user)."""
    import os

    from cryptography.fernet import Fernet

    database = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/pagerbridge_bench_analytics")
    os.environ.update(
        DATABASE_URL=database,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        SECRET_KEY="bench",
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PAGERBRIDGE_ENV="bench",
        LOG_LEVEL="WARNING",
    )
    from webapp import create_app
    from webapp.api.services import create_token
    from webapp.extensions import db
    from webapp.models import Org, User

    app = create_app()
    with app.app_context():
        org = db.session.scalar(db.select(Org).filter_by(slug="big"))
        member = db.session.scalar(db.select(User).filter_by(org_id=org.id))
        return app, create_token(org.id), member.get_id()


def time_requests(app, token, session_id, count):
    """Median and p95 server time of the API (each grouping, CSV) and the page (full, htmx), printed as a table."""
    since = (datetime.now(UTC) - timedelta(days=DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    api, page = app.test_client(), app.test_client()
    with page.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    bearer = {"Authorization": f"Bearer {token}"}
    cases = [
        (f"API 90 days by {group}", api, f"/api/v1/analytics?since={since}&group_by={group}", bearer)
        for group in ("service", "severity", "kind", "responder")
    ]
    cases += [
        ("API 90 days CSV", api, f"/api/v1/analytics?since={since}&format=csv", bearer),
        ("page 90 days (full)", page, "/analytics/?days=90", {}),
        (
            "page 90 days (htmx)",
            page,
            "/analytics/?days=90&group_by=responder",
            {"HX-Request": "true", "HX-Target": "analytics-results"},
        ),
    ]
    print(f"\n{'request':<28} | {'median':>9} | {'p95':>9}")
    for label, client, path, headers in cases:
        timed(client, path, 2, headers)  # warm
        times = timed(client, path, count, headers)
        print(f"{label:<28} | {percentile(times, 0.5):6.1f} ms | {percentile(times, 0.95):6.1f} ms")


if __name__ == "__main__":
    main()
