"""SLA evaluator at scale: one pass over 10,000 and over 100,000 open reports across 100 orgs, on PostgreSQL.

    python bench/sla.py [--orgs 100] [--sizes 10000 100000] [--transitions 0.01]

For each size it seeds the reports (deadlines spread over the next weeks, so a pass has nothing to do), times one
steady pass, then makes a share of them due and times the pass that fires those transitions. It prints the times,
the ratio between the sizes and the number of SQL statements of each pass. Goal: a steady pass over 100,000 under
3 s, with a query count that does not grow with the number of reports. Needs PostgreSQL (BENCH_DATABASE_URL).
"""

import argparse
import random
import time
from datetime import timedelta

from common import bench_env
from sqlalchemy import event, insert, update

SEVERITIES = ("low", "medium", "high", "critical")


def seed(db, org_ids, count, now):
    """`count` open reports spread over the orgs, none of them near its deadline."""
    from webapp.models import Report

    rows = []
    for n in range(count):
        submitted = now - timedelta(minutes=random.randint(0, 600))
        rows.append(
            {
                "org_id": org_ids[n % len(org_ids)],
                "title": f"report {n}",
                "description": "",
                "severity": random.choice(SEVERITIES),
                "status": "new",
                "source": "api",
                "submitted_at": submitted,
                "updated_at": submitted,
                "sla_state": "ok",
                "sla_deadline": now + timedelta(days=random.randint(8, 40)),
            }
        )
    for start in range(0, count, 10_000):
        db.session.execute(insert(Report), rows[start : start + 10_000])
    db.session.commit()


def make_due(db, share, now):
    """Move a share of the reports to just past their deadline, so the next pass breaches them."""
    from webapp.models import Report

    db.session.execute(
        update(Report).where(Report.id % round(1 / share) == 0).values(sla_deadline=now - timedelta(minutes=1))
    )
    db.session.commit()


def timed_pass(db, evaluate):
    """(seconds, SQL statements, transitions) of one evaluator pass."""
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    started = time.perf_counter()
    result = evaluate()
    elapsed = time.perf_counter() - started
    event.remove(db.engine, "before_cursor_execute", listener)
    return elapsed, len(statements), len(result["at_risk"]) + len(result["breached"])


def measure(size, orgs, share):
    """Fresh database, seed, time the steady pass and the pass with transitions."""
    bench_env("http://127.0.0.1:9", name="pagerbridge_bench_sla")
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models.types import utcnow
    from webapp.orgs.services import create_org
    from webapp.sla.evaluator import evaluate

    app = create_app()
    with app.app_context():
        org_ids = [create_org(f"org-{n}", f"Org {n}").id for n in range(orgs)]
        now = utcnow()
        started = time.perf_counter()
        seed(db, org_ids, size, now)
        print(f"{size:>7} reports seeded in {time.perf_counter() - started:.1f} s")
        db.session.execute(db.text("ANALYZE reports"))
        db.session.commit()
        steady = timed_pass(db, evaluate)
        make_due(db, share, now)
        busy = timed_pass(db, evaluate)
        db.session.remove()
        db.engine.dispose()
    return steady, busy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--transitions", type=float, default=0.01, help="share of reports made due for pass 2")
    args = parser.parse_args()
    random.seed(7)
    results = {size: measure(size, args.orgs, args.transitions) for size in args.sizes}
    print(f"\n{'reports':>8} | steady pass | statements | pass with transitions | statements")
    for size, ((steady_s, steady_q, _), (busy_s, busy_q, fired)) in results.items():
        print(f"{size:>8} | {steady_s:9.3f} s | {steady_q:10} | {busy_s:8.3f} s ({fired} fired) | {busy_q:10}")
    if len(results) >= 2:
        small, large = min(results), max(results)
        ratio = results[large][0][0] / max(results[small][0][0], 1e-9)
        print(
            f"steady pass time ratio {large}/{small}: {ratio:.1f}×; statements {results[small][0][1]} → "
            f"{results[large][0][1]}"
        )


if __name__ == "__main__":
    main()
