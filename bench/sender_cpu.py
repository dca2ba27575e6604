"""A sender's CPU per delivered trigger, in one process, without the rest of the deployment's noise.

    python bench/sender_cpu.py --count 600                 # CPU ms per send, claims included
    python bench/sender_cpu.py --count 300 --profile       # and a cProfile of it (by own time)
    python bench/sender_cpu.py --count 600 --steady 4      # 4 rows due per claim, no backlog (a storm's steady state)

Writes `count` incident triggers over 200 keys into a fresh database, then claims them in batches of 32 and sends each
batch as the sender's threads do (pacing in Redis, the delivered outcomes written in batches by an OutcomeWriter with
the mirror, metrics kept in process), with PagerDuty's answer faked in the process (no HTTP: the figure is the
engine's own work; `bench/sender_storm.py` runs real senders against the sandbox). Process CPU seconds are exact
where timings on a shared box are not; the PostgreSQL backends of the sender's pool are measured too (from /proc).
With --steady N, only N rows are due at each claim (the next N are made due by another connection, not counted): the
claim and the outcome batch serve N rows, as at a steady rate (1 ≈ 50/s, 4 ≈ 200/s), with no backlog to rank.
Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL).
"""

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

ANSWER = '{"status":"success","message":"Event processed","dedup_key":"x"}'


class Accepted:
    """PagerDuty's 202, as the client returns it."""

    status_code = 202
    text = ANSWER


def queue_triggers(count: int) -> None:
    """`count` incidents, each with its trigger due now, over 200 integration keys."""
    from webapp.alerts.pacing import pace_group
    from webapp.extensions import db
    from webapp.models import Delivery, Incident
    from webapp.orgs.services import create_org

    org = create_org("cpu", "CPU")
    incidents = [Incident(org_id=org.id, kind="kubernetes", title=f"t{n}", severity="high") for n in range(count)]
    db.session.add_all(incidents)
    db.session.flush()
    for n, incident in enumerate(incidents):
        key = f"{n % 200:08d}".rjust(32, "c")
        payload = {"payload": {"summary": incident.title, "source": "bench", "severity": "critical"}}
        db.session.add(
            Delivery(
                org_id=org.id,
                action="trigger",
                event_type="incident",
                subject_type="incident",
                subject_id=incident.id,
                dedup_key=f"incident-{incident.id}",
                severity="critical",
                routing_key=key,
                pace_group=pace_group(key),
                target_label="bench",
                payload=payload,
            )
        )
    db.session.commit()


def send_all(app, steady: int | None = None) -> tuple[int, float]:
    """Claim and send until nothing is due, each claimed batch on a pool of threads; returns how many were
    delivered, and the CPU seconds spent making rows due (--steady: not the sender's)."""
    from concurrent.futures import ThreadPoolExecutor

    from webapp.alerts.claiming import claim_rows
    from webapp.alerts.outcomes import OutcomeWriter
    from webapp.alerts.sender import send_leased
    from webapp.extensions import db

    writer = OutcomeWriter(app).start()

    def send(claimed) -> bool:
        with app.app_context():
            try:
                return send_leased(*claimed, writer)[0] == "delivered"
            finally:
                db.session.remove()

    delivered, staging = 0, 0.0
    stage = Staging(app, steady) if steady else None
    with ThreadPoolExecutor(32) as pool:
        while True:
            if stage is not None:
                started = time.process_time()
                more = stage.next()
                staging += time.process_time() - started
                if not more:
                    break
            batch = claim_rows(32, 100_000, "bench-cpu")
            db.session.remove()
            if not batch and stage is None:
                break
            delivered += sum(pool.map(send, batch))
    writer.stop()
    if stage is not None:
        stage.close()
    return delivered, staging


class Staging:
    """Makes the next `per_claim` deliveries due, on a connection of its own (psycopg, not the sender's pool)."""

    def __init__(self, app, per_claim: int) -> None:
        import psycopg

        url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
        self.connection = psycopg.connect(url, autocommit=True, application_name="bench-staging")
        self.per_claim = per_claim

    def next(self) -> bool:
        """Whether there were rows left to make due."""
        made = self.connection.execute(
            "UPDATE deliveries SET next_attempt_at = now() WHERE id IN (SELECT id FROM deliveries "
            "WHERE status = 'pending' AND next_attempt_at > now() + interval '1 hour' ORDER BY id LIMIT %s)",
            (self.per_claim,),
        ).rowcount
        return made > 0

    def close(self) -> None:
        self.connection.close()


def backend_seconds(app) -> float:
    """CPU seconds of the sender pool's PostgreSQL backends (application_name bench-cpu, via PGAPPNAME)."""
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    total = 0.0
    with psycopg.connect(url, autocommit=True) as connection:
        for (pid,) in connection.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-cpu'"):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    """Measure and print CPU ms per delivered trigger."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--steady", type=int, help="rows due per claim (default: all due at once)")
    args = parser.parse_args()
    os.environ["PGAPPNAME"] = "bench-cpu"  # libpq: the sender pool's backends, told apart
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/bench_cpu")
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ.setdefault("SECRET_KEY", "bench")
    from flask_migrate import upgrade
    from sqlalchemy import text

    from jobs.sender import build_app, relax_commit_durability
    from webapp import counters
    from webapp.extensions import db
    from webapp.pagerduty import client

    app = build_app(32, 60)
    with app.app_context():
        db.session.execute(text("DROP FUNCTION IF EXISTS claim_deliveries"))  # it returns rows of deliveries
        db.session.commit()
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()  # the schema as deployed: the claim is a function the migrations create
        relax_commit_durability(db.engine)
        db.engine.dispose()
        queue_triggers(args.count)
        if args.steady:
            db.session.execute(text("UPDATE deliveries SET next_attempt_at = now() + interval '1 day'"))
            db.session.commit()
        db.engine.dispose()  # the backends measured are the sends' own

        def accepted(_event: dict, _region: str = "us") -> Accepted:
            client.pagerduty_answered("https://events.pagerduty.com/v2/enqueue", 202)
            return Accepted()

        client.post_event = accepted
        counters.keep_in_process()
        profile = cProfile.Profile() if args.profile else None
        started = time.process_time()
        if profile:
            profile.enable()
        delivered, staging = send_all(app, args.steady)
        if profile:
            profile.disable()
        used = time.process_time() - started - staging
        backends = backend_seconds(app)  # the pool keeps its connections (8): their backends' CPU since they opened
        counters.flush()
    print(
        f"delivered {delivered} of {args.count}; sender CPU per delivered trigger {1000 * used / delivered:.2f} ms; "
        f"its pooled PostgreSQL backends' {1000 * backends / delivered:.2f} ms"
    )
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
