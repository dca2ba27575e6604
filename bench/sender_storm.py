"""The storm's sender half, as deployed but without the web: senders' CPU per delivery, HTTP to PagerDuty included.

    python bench/sender_storm.py                          # 6,000 triggers at 200/s over 200 keys, 2 senders
    python bench/sender_storm.py --rate 100 --seconds 20 --senders 1

Incident triggers are written straight into the outbox at a steady rate (a commit and a wake-up every 10 ms, as the
web's creates would), real `python -m jobs.sender` processes send them, and the sandbox stands in for PagerDuty with
its per-key limit on and answering in --pd-latency-ms. Prints the senders' CPU per delivery (and the sandbox's, from
/proc), the database's transactions per delivery (pg_stat_database, the load's own commits taken off), the latency
from the commit to PagerDuty, and 429s. Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL).
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import sqlalchemy
from alerts import seed_sandbox, service_key, setup_org, wait_for_all
from common import bench_env, cpu_seconds, percentile, sandbox_process, start, stop, wait_for_senders

TICK = 0.01


def incidents(org_id, count):
    """`count` incidents with nothing queued yet; returns their ids."""
    from webapp.extensions import db
    from webapp.models import Incident

    rows = [Incident(org_id=org_id, kind="kubernetes", title=f"storm {n}", severity="high") for n in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def queue(org_id, incident_ids, rate, services):
    """Each incident's trigger, due now, `rate` a second (one commit and one wake-up per tick); returns
    ({dedup key: commit time}, commits made)."""
    from webapp.alerts.pacing import pace_group
    from webapp.extensions import db
    from webapp.models import Delivery
    from webapp.queues import wake_senders

    committed, commits, started, n = {}, 0, time.time(), 0
    while n < len(incident_ids):
        due = min(len(incident_ids), int((time.time() - started) * rate) + 1)
        for number in range(n, due):
            key = service_key(number % services)
            payload = {"payload": {"summary": f"storm {number}", "source": "bench", "severity": "error"}}
            db.session.add(
                Delivery(
                    org_id=org_id,
                    action="trigger",
                    event_type="incident",
                    subject_type="incident",
                    subject_id=incident_ids[number],
                    dedup_key=f"incident-{incident_ids[number]}",
                    severity="high",
                    routing_key=key,
                    pace_group=pace_group(key),
                    target_label=f"Bench {number % services}",
                    payload=payload,
                )
            )
        if due > n:
            db.session.commit()
            commits += 1
            at = time.time()
            committed.update({f"incident-{incident_ids[number]}": at for number in range(n, due)})
            wake_senders()
            n = due
        time.sleep(TICK)
    return committed, commits


def transactions(url):
    """Commits and rollbacks of the benchmark's database so far."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sqlalchemy.text(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
                )
            ).scalar()
    finally:
        engine.dispose()


class BackendCpu:
    """CPU time of the senders' PostgreSQL backends (application_name "pb-bench-sender", set through PGAPPNAME), read
    from /proc every 100 ms: a backend that closes meanwhile keeps the last value read. Only this database's senders
    count, whatever else the shared box runs."""

    def __init__(self, url):
        self.engine = sqlalchemy.create_engine(url)
        self.seen, self.stopping = {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with self.engine.connect() as connection:
            while not self.stopping.wait(0.1):
                pids = connection.execute(
                    sqlalchemy.text("SELECT pid FROM pg_stat_activity WHERE application_name = 'pb-bench-sender'")
                ).scalars()
                connection.rollback()
                for pid in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self.seen[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def total(self):
        """The CPU seconds of every sender backend seen so far."""
        return sum(self.seen.values())

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()
        self.engine.dispose()


def main():
    """Run it and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--pd-latency-ms", type=float, default=200)
    args = parser.parse_args()
    sandbox, sandbox_url = sandbox_process(events_per_minute=120, latency_ms=args.pd_latency_ms)
    seed_sandbox(sandbox_url, args.services)
    env = bench_env(sandbox_url, name="pagerbridge_sender_storm")
    env["PGAPPNAME"] = "pb-bench-sender"  # libpq: the senders' backends, told apart from the load's
    from webapp import create_app

    count = int(args.rate * args.seconds)
    app = create_app()
    with app.app_context():
        setup_org("storm", args.services)
        from webapp.models import Org

        org_id = Org.query.filter_by(slug="storm").one().id
        warm, measured = incidents(org_id, 200), incidents(org_id, count)
    senders = [start(env, sys.executable, "-m", "jobs.sender") for _ in range(args.senders)]
    wait_for_senders(env, args.senders)
    with app.app_context():
        warmed, _ = queue(org_id, warm, args.rate, args.services)
        wait_for_all(sandbox_url, warmed, 60)
        time.sleep(1)
        print(
            f"{count} triggers at {args.rate:g}/s over {args.services} keys, {args.senders} senders, PagerDuty "
            f"answering in {args.pd_latency_ms:g} ms; load {os.getloadavg()[0]:.1f}"
        )
        backends = BackendCpu(env["DATABASE_URL"]).start()
        time.sleep(0.3)
        cpu_before, xacts_before = [cpu_seconds(s) for s in senders], transactions(env["DATABASE_URL"])
        sandbox_before, backends_before = cpu_seconds(sandbox), backends.total()
        committed, commits = queue(org_id, measured, args.rate, args.services)
        received, _, throttled = wait_for_all(sandbox_url, committed, 120)
    time.sleep(1.5)  # the last batch's outcomes and a metrics flush
    used = sum(cpu_seconds(s) - before for s, before in zip(senders, cpu_before, strict=True))
    sandbox_used = cpu_seconds(sandbox) - sandbox_before
    backends_used = backends.total() - backends_before
    backends.stop()
    xacts = transactions(env["DATABASE_URL"]) - xacts_before - commits
    latencies = [(received[key] - at) * 1000 for key, at in committed.items() if key in received]
    print(f"delivered {len(latencies)} of {count}; 429s (warm-up included): {throttled}")
    if latencies:
        print(f"commit → PagerDuty: p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms")
    print(
        f"senders' CPU per delivery {1000 * used / max(len(latencies), 1):.2f} ms; their PostgreSQL backends' "
        f"{1000 * backends_used / max(len(latencies), 1):.2f} ms (the sandbox's "
        f"{1000 * sandbox_used / max(len(latencies), 1):.2f} ms); database transactions per "
        f"delivery {xacts / max(len(latencies), 1):.2f} (beside the senders' own: heartbeats, polls); "
        f"load {os.getloadavg()[0]:.1f}"
    )
    stop(*senders, sandbox)


if __name__ == "__main__":
    main()
