"""Webhook intake under load: signed PagerDuty v3 webhooks against gunicorn, next to /healthz in the same run.

    python bench/webhooks.py [--seconds 10] [--clients 16] [--workers 2] [--mix]

Times /healthz, then signed incident.acknowledged webhooks (10% of them repeats of an earlier webhook id) for the
same time with the same number of clients, and prints both throughputs, their ratio and the webhook p50 and p99.
Then it lets the RQ workers apply them and checks every accepted webhook id left exactly one timeline entry.
Goal: webhooks at least half of /healthz's throughput, p99 under 50 ms, each effect present exactly once.
With --mix the webhooks cycle through every event type PagerDuty sends about the story (acknowledged,
unacknowledged, annotated, priority_updated, escalated) and some PagerBridge does not use (answered 2xx, ignored).
Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override).
"""

import argparse
import json
import sys
import threading
import time

import requests
from common import bench_env, gunicorn, percentile, start, stop

SECRET = "bench-webhook-signing-secret"
REPORTS = 200


def setup():
    """An org with reports and a signing secret; returns (webhook path, report ids)."""
    from webapp import create_app
    from webapp.orgs.services import create_org
    from webapp.reports.services import create_report
    from webapp.webhooks.setup import paste_secret

    app = create_app()
    with app.app_context():
        org = create_org("bench", "Bench")
        paste_secret(org.id, SECRET)
        report_ids = [create_report(org.id, f"report {n}", severity="high").id for n in range(REPORTS)]
        return f"/webhooks/pagerduty/{org.webhook_token}", report_ids


MIX = (
    ("incident.acknowledged", "pagerduty.acknowledged"),
    ("incident.unacknowledged", "pagerduty.unacknowledged"),
    ("incident.annotated", "pagerduty.note"),
    ("incident.priority_updated", "pagerduty.priority"),
    ("incident.escalated", "pagerduty.escalated"),
    ("incident.responder.added", None),
    ("pagey.ping", None),
)


def webhook(report_id, webhook_id, event_type="incident.acknowledged"):
    """(raw body, headers) of a signed webhook (incident.acknowledged unless said)."""
    from webapp.webhooks.signatures import expected_signature

    incident = {
        "id": f"PINC{report_id}",
        "type": "incident",
        "incident_key": f"report-{report_id}",
        "assignees": [{"id": "PUSER01", "type": "user_reference", "summary": "Bench Responder"}],
        "priority": {"id": "PPRIO1", "type": "priority_reference", "summary": "P1"},
        "urgency": "high",
    }
    if event_type == "incident.annotated":
        incident = {"id": f"N{webhook_id}"[:32], "type": "incident_note", "content": "bench note", "incident": incident}
    body = json.dumps(
        {
            "event": {
                "id": webhook_id,
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": "2026-11-23T10:00:00Z",
                "agent": {"summary": "Bench Responder"},
                "data": incident,
            }
        }
    ).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Webhook-Id": webhook_id,
        "X-PagerDuty-Signature": f"v1={expected_signature(SECRET, body)}",
    }


def drive(clients, seconds, request_once):
    """Call request_once(session, n) from `clients` threads for `seconds`; returns latencies (ms) of 2xx answers."""
    latencies, lock, stop_at = [], threading.Lock(), time.perf_counter() + seconds
    counter = iter(range(10**9))

    def loop():
        session, mine = requests.Session(), []
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if request_once(session, next(counter)):
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def effects(report_ids, kinds=("pagerduty.acknowledged",)):
    """Timeline entries of these kinds the webhooks left on the reports."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import TimelineEntry

    with create_app().app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(TimelineEntry)
            .where(TimelineEntry.kind.in_(kinds), TimelineEntry.report_id.in_(report_ids))
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mix", action="store_true", help="every story event type, and unused ones")
    args = parser.parse_args()
    mix = MIX if args.mix else MIX[:1]
    env = bench_env("http://127.0.0.1:9", name="pagerbridge_bench_webhooks")
    path, report_ids = setup()
    web, url = gunicorn(env)
    accepted, lock = set(), threading.Lock()

    def healthz(session, _n):
        return session.get(url + "/healthz", timeout=10).ok

    def send_webhook(session, n):
        number = n - 1 if n % 10 == 9 else n  # one in ten repeats the webhook before it
        event_type, kind = mix[number % len(mix)]
        body, headers = webhook(report_ids[number % REPORTS], f"bench-{number}", event_type)
        response = session.post(url + path, data=body, headers=headers, timeout=10)
        if response.status_code == 202 and kind:
            with lock:
                accepted.add(f"bench-{number}")
        return response.status_code == 202

    health = drive(args.clients, args.seconds, healthz)
    hooks = drive(args.clients, args.seconds, send_webhook)
    health_rate, hook_rate = len(health) / args.seconds, len(hooks) / args.seconds
    print(f"/healthz: {health_rate:.0f}/s (p99 {percentile(health, 0.99):.1f} ms)")
    print(
        f"webhooks: {hook_rate:.0f}/s, p50 {percentile(hooks, 0.5):.1f} ms, p99 {percentile(hooks, 0.99):.1f} ms; "
        f"{len(accepted)} distinct webhook ids accepted that have an effect"
    )
    print(f"ratio webhooks / healthz: {hook_rate / health_rate:.2f}")
    workers = [start(env, sys.executable, "-m", "jobs.worker") for _ in range(args.workers)]
    deadline, found = time.time() + 300, 0
    while time.time() < deadline:
        kinds = [kind for _, kind in mix if kind]
        found = effects(report_ids, kinds)
        if found >= len(accepted):
            time.sleep(2)
            found = effects(report_ids, kinds)
            break
        time.sleep(1)
    print(
        f"timeline entries: {found} for {len(accepted)} accepted webhook ids "
        f"({'exactly once' if found == len(accepted) else 'MISMATCH'})"
    )
    stop(web, *workers)


if __name__ == "__main__":
    main()
