"""Fault injection as deployed (issue 21): the Procfile's processes (gunicorn web, 2 senders, worker, scheduler) on a
Redis and a PostgreSQL of the script's own, against the PagerDuty sandbox, under a steady stream of incidents,
reports and progress notes (each note a `POST /incidents/{id}/notes` in PagerDuty). One fault after another:

    sender-kill   SIGKILL of a sender while it holds leased sends (the platform starts a new one after the fault)
    redis         Redis killed and started again, empty
    postgres      PostgreSQL stopped as by a crash and started again
    pd-500        PagerDuty answering 500 to every call
    pd-429        PagerDuty answering 429 (Retry-After: 2) to every call
    pd-hang       PagerDuty answering nothing until the client has timed out (and then carrying the call out)

    python bench/faults.py [--rate 6] [--fault-seconds 10] [--only redis,pd-500]

After each fault the stream stops and the script waits for the system to settle, then checks the sandbox's record
against what the API accepted: nothing lost (every accepted incident, report and note reached PagerDuty), no
PagerDuty incident created twice for one dedup key, no note posted twice; also that no API call answered 500 (while
PostgreSQL is away the API answers 503 with Retry-After) and that no process exited. One line per fault, clean or
NOT clean with counts; exits 1 when any is not clean.

Needs redis-server and PostgreSQL's initdb/pg_ctl (15) on this machine; runs everything on loopback.
"""

import argparse
import os
import signal
import sys
import time
from collections import Counter

import requests
from alerts import seed_sandbox, setup_org
from common import bench_env, procfile_process, run_procfile, sandbox_process
from servers import OwnPostgres, OwnRedis
from stream import Stream

FAULTS = ("sender-kill", "redis", "postgres", "pd-500", "pd-429", "pd-hang")
HANG_SECONDS = 15  # longer than PagerBridge's 10 s read timeout


class Run:
    """The app as deployed and its servers; inject(fault) breaks one thing for `seconds` and mends it."""

    def __init__(self, args):
        self.args, self.redis, self.postgres = args, OwnRedis(), OwnPostgres()
        self.redis.start()
        self.postgres.create()
        os.environ.update(BENCH_DATABASE_URL=self.postgres.url, BENCH_REDIS_URL=self.redis.url)
        self.sandbox, self.sandbox_url = sandbox_process(events_per_minute=120, latency_ms=args.pd_latency_ms)
        seed_sandbox(self.sandbox_url, args.services)
        self.env = bench_env(self.sandbox_url)
        from webapp import create_app

        self.app = create_app()
        with self.app.app_context():
            token = setup_org("faults", args.services)
        self.processes, url = run_procfile(self.env, senders=2)
        self.stream = Stream(url, token, args.rate, args.services)
        self.held_at_kill = self.resent_before = self.doubled_before = self.twice_before = 0  # counted per fault

    def inject(self, fault):
        seconds = self.args.fault_seconds
        if fault == "sender-kill":
            self._kill_sender_mid_send()
            time.sleep(seconds)
            self.processes.append(procfile_process(self.env, "sender"))
        elif fault == "redis":
            self.redis.stop()
            time.sleep(seconds)
            self.redis.start()
        elif fault == "postgres":
            self.postgres.stop()
            time.sleep(seconds)
            self.postgres.start()
        else:
            mode = fault.removeprefix("pd-")
            spec = {"mode": mode, "retry_after": 2, "delay": HANG_SECONDS if mode == "hang" else 0}
            requests.post(self.sandbox_url + "/_sandbox/faults", json=spec, timeout=5).raise_for_status()
            time.sleep(seconds)
            requests.delete(self.sandbox_url + "/_sandbox/faults", timeout=5).raise_for_status()

    def _kill_sender_mid_send(self):
        """SIGKILL the first sender as soon as it holds leases (calls to PagerDuty in flight)."""
        victim = self.processes[1]
        deadline = time.time() + 30
        while time.time() < deadline:
            if self._scalar(
                "SELECT count(*) FROM deliveries JOIN senders ON lease_owner = senders.name "
                "WHERE senders.pid = :pid AND lease_token IS NOT NULL",
                pid=victim.pid,
            ):
                break
            time.sleep(0.02)
        self.held_at_kill = self._scalar(
            "SELECT count(*) FROM deliveries JOIN senders ON lease_owner = senders.name "
            "WHERE senders.pid = :pid AND lease_token IS NOT NULL",
            pid=victim.pid,
        )
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        self.processes.remove(victim)
        self.killed = victim

    def _scalar(self, sql, **params):
        from sqlalchemy import text

        from webapp.extensions import db

        with self.app.app_context():
            try:
                return db.session.execute(text(sql), params).scalar()
            finally:
                db.session.remove()

    def waiting(self):
        """Deliveries not settled yet (pending, retrying or leased), or None while the database cannot answer."""
        try:
            return self._scalar("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'retrying')")
        except Exception:  # noqa: BLE001 - the database may be coming back
            return None

    def unsent(self):
        """{status: count} of deliveries that will not go out by themselves (failed, paused...)."""
        from sqlalchemy import text

        from webapp.extensions import db

        with self.app.app_context():
            rows = db.session.execute(
                text("SELECT status, count(*) FROM deliveries WHERE status NOT IN ('delivered') GROUP BY status")
            ).all()
            db.session.remove()
        return dict(rows)

    def resent(self):
        """Trigger events PagerDuty received more than once for one dedup key (merged, but sent again)."""
        events = requests.get(self.sandbox_url + "/_sandbox/events?brief=1", timeout=60).json()["events"]
        triggers = Counter(e["dedup_key"] for e in events if e["event_action"] == "trigger")
        return sum(count - 1 for count in triggers.values())

    def record(self):
        """({incident key: count}, Counter of note contents) as PagerDuty (the sandbox) has them."""
        incidents = requests.get(self.sandbox_url + "/_sandbox/incidents", timeout=60).json()["incidents"]
        notes = requests.get(self.sandbox_url + "/_sandbox/notes", timeout=60).json()["notes"]
        return Counter(i["incident_key"] for i in incidents), Counter(n["content"] for n in notes)


def missing(run):
    """What the API accepted and PagerDuty lacks: (incidents, reports, notes) as lists."""
    keys, notes = run.record()
    text = "\n".join(notes)
    stream = run.stream
    with stream.lock:
        return (
            [i for i in stream.incidents if f"incident-{i}" not in keys],
            [r for r in stream.reports if f"report-{r}" not in keys],
            [marker for marker in stream.notes if marker not in text],
        )


def settle(run, seconds):
    """Wait until every accepted item is in PagerDuty and no delivery waits, at most `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if run.waiting() == 0 and not any(missing(run)):
            return True
        time.sleep(1)
    return False


def back_after(run, fault, seconds=60):
    """{problem: 1} for what did not come back by itself within `seconds`: both senders beating (in PostgreSQL),
    and after a Redis restart the scheduler's periodic jobs and the worker in RQ's registry again."""
    import redis
    from rq import Worker

    def senders_beating():
        sql = "SELECT count(*) FROM senders WHERE seen_at > now() - interval '15 seconds'"
        return (run._scalar(sql) or 0) >= 2

    def scheduler_back():
        return redis.Redis.from_url(run.redis.url).zcard("rq:scheduler:scheduled_jobs") > 0

    def worker_back():
        return len(Worker.all(connection=redis.Redis.from_url(run.redis.url))) >= 1

    checks = {"senders not beating": senders_beating}
    if fault == "redis":
        checks |= {"scheduler's jobs not back": scheduler_back, "worker not back in RQ": worker_back}
    deadline, missing_now = time.time() + seconds, dict(checks)
    while missing_now and time.time() < deadline:
        missing_now = {name: test for name, test in missing_now.items() if not test()}
        time.sleep(0.5)
    return dict.fromkeys(missing_now, 1)


def check(run, fault, started):
    """One line: clean, or NOT clean with counts."""
    settled = settle(run, run.args.settle_seconds)
    if fault == "pd-hang":
        time.sleep(HANG_SECONDS)  # calls still held by the sandbox are carried out meanwhile: any double shows
    lost_incidents, lost_reports, lost_notes = missing(run)
    resent = run.resent() - run.resent_before
    run.resent_before += resent
    keys, notes = run.record()
    doubled = sum(1 for count in keys.values() if count > 1) - run.doubled_before
    notes_twice = sum(count - 1 for count in notes.values() if count > 1) - run.twice_before
    run.doubled_before, run.twice_before = run.doubled_before + doubled, run.twice_before + notes_twice
    refused = run.stream.refused(fault)
    errors = sum(n for (_, status, _), n in refused.items() if status == 500 or str(status)[0].isupper())
    no_retry_after = sum(n for (_, status, retry), n in refused.items() if status == 503 and not retry)
    exited = [p.args[-1] for p in run.processes if p.poll() is not None]
    stream = run.stream
    accepted = [
        sum(1 for p in items.values() if p == fault) for items in (stream.incidents, stream.reports, stream.notes)
    ]
    problems = {
        "lost incidents": len(lost_incidents),
        "lost reports": len(lost_reports),
        "lost notes": len(lost_notes),
        "incidents doubled": doubled,
        "notes posted twice": notes_twice,
        "API 500s or errors": errors,
        "503s without Retry-After": no_retry_after,
        "processes exited": len(exited),
        "not settled": 0 if settled else 1,
        **back_after(run, fault),
    }
    if fault == "sender-kill":  # what is sent again is at most what the killed sender held under live leases
        problems["resent beyond the killed sender's leases"] = max(0, resent - run.held_at_kill)
    bad = {name: count for name, count in problems.items() if count}
    shown = ", ".join(f"{what} {status}{' +Retry-After' if r else ''} ×{n}" for (what, status, r), n in refused.items())
    print(
        f"{fault:12} {'clean' if not bad else 'NOT clean: ' + ', '.join(f'{k} {v}' for k, v in bad.items())}; "
        f"accepted {accepted[0]} incidents, {accepted[1]} reports, {accepted[2]} notes; refused: {shown or 'none'}; "
        f"triggers sent again (merged by PagerDuty) {resent}"
        + (f" (the killed sender held {run.held_at_kill} leases)" if fault == "sender-kill" else "")
        + f"; checked {time.time() - started:.0f} s after the fault began; unsent now {run.unsent() or 'none'}",
        flush=True,
    )
    if exited:
        print(f"  exited: {exited}", flush=True)
    return not bad


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=6, help="incidents a second (a report every 4th, a note each)")
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--pd-latency-ms", type=float, default=200, help="PagerDuty's answer time")
    parser.add_argument("--fault-seconds", type=float, default=10)
    parser.add_argument("--lead-seconds", type=float, default=4, help="stream before and after each fault")
    parser.add_argument("--settle-seconds", type=float, default=180)
    parser.add_argument("--only", default=",".join(FAULTS), help="a comma-separated subset, in this order")
    args = parser.parse_args()
    run = Run(args)
    try:
        print(
            f"fault run: {args.rate:g} incidents/s (+ reports and notes) over {args.services} services, 2 senders, "
            f"PagerDuty answering in {args.pd_latency_ms:g} ms, each fault {args.fault_seconds:g} s; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        clean = True
        for fault in [f for f in FAULTS if f in args.only.split(",")]:
            run.stream.start(fault)
            time.sleep(args.lead_seconds)
            started = time.time()
            run.inject(fault)
            time.sleep(args.lead_seconds)
            run.stream.stop()
            clean = check(run, fault, started) and clean
        return 0 if clean else 1
    finally:
        run.postgres.remove()


if __name__ == "__main__":
    sys.exit(main())
