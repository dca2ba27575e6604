"""Fairness across tenants: org A's alerts and webhooks while org C drains a burst on one key at PagerDuty's limit.

    python bench/fairness.py [--burst 300] [--seconds 60] [--pd-latency-ms 200] [--senders 2]

Runs the Procfile's processes against the sandbox (120 events a minute per key, 429 beyond; each call answered after
--pd-latency-ms). Org C posts --burst incidents at once, all routed to one key: draining them takes minutes, as it
must. Meanwhile org A posts one incident a second over its own five services for --seconds, and as soon as
PagerDuty has each one, the bench sends PagerBridge a signed incident.acknowledged webhook for it.
Goal: each of org A's incidents reaches PagerDuty in ≤ 2 s; each webhook is applied (on the incident's timeline)
within 5 s of its 202. Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override).
"""

import argparse
import json
import os
import threading
import time

import requests
from alerts import post_all, received_events, seed_sandbox, setup_org
from common import bench_env, percentile, run_procfile, sandbox_process, stop

SECRET = "bench-fairness-signing-secret"


def signed_acknowledgement(dedup_key, webhook_id):
    from webapp.webhooks.signatures import expected_signature

    body = json.dumps(
        {
            "event": {
                "id": webhook_id,
                "event_type": "incident.acknowledged",
                "resource_type": "incident",
                "occurred_at": "2026-12-01T10:00:00Z",
                "agent": {"summary": "Bench Responder"},
                "data": {"id": f"PF{webhook_id}", "type": "incident", "incident_key": dedup_key},
            }
        }
    ).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Webhook-Id": webhook_id,
        "X-PagerDuty-Signature": f"v1={expected_signature(SECRET, body)}",
    }


def applied(incident_ids):
    """The incidents among these whose timeline shows the acknowledgement."""
    from webapp.extensions import db
    from webapp.models import TimelineEntry

    db.session.rollback()
    return set(
        db.session.scalars(
            db.select(TimelineEntry.incident_id).where(
                TimelineEntry.incident_id.in_(incident_ids), TimelineEntry.kind == "pagerduty.acknowledged"
            )
        ).all()
    )


def acknowledge_as_they_arrive(app, url, webhook_path, sandbox_url, a_sent, stop_at, acked, done):
    """Send each of A's incidents' acknowledgement once PagerDuty has it ({incident id: time of the 202} in
    `acked`) and note when each shows on the timeline (`done`), looking every 0.1 s."""
    session = requests.Session()
    with app.app_context():
        while time.time() < stop_at or len(done) < len(acked):
            received, _, _ = received_events(sandbox_url)
            for key in [k for k in a_sent[:] if k in received and int(k.split("-")[1]) not in acked]:
                body, headers = signed_acknowledgement(key, f"ack-{key}")
                if session.post(url + webhook_path, data=body, headers=headers, timeout=10).status_code == 202:
                    acked[int(key.split("-")[1])] = time.time()
            waiting = [incident_id for incident_id in acked if incident_id not in done]
            now = time.time()
            for incident_id in applied(waiting) if waiting else ():
                done[incident_id] = now
            if time.time() > stop_at + 30:
                return
            time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pd-latency-ms", type=float, default=200)
    parser.add_argument("--senders", type=int, default=2)
    args = parser.parse_args()
    sandbox, sandbox_url = sandbox_process(events_per_minute=120, latency_ms=args.pd_latency_ms)
    seed_sandbox(sandbox_url, 6)
    env = bench_env(sandbox_url)
    from webapp import create_app
    from webapp.models import Org
    from webapp.webhooks.setup import paste_secret

    app = create_app()
    with app.app_context():
        noisy_token = setup_org("noisy", 1, first_service=5)
        quiet_token = setup_org("quiet", 5)
        quiet = Org.query.filter_by(slug="quiet").one()
        paste_secret(quiet.id, SECRET)
        webhook_path = f"/webhooks/pagerduty/{quiet.webhook_token}"
    processes, url = run_procfile(env, args.senders)
    time.sleep(2)
    print(
        f"org C: {args.burst} incidents at once on one key; org A: 1/s over 5 keys for {args.seconds:g} s; PagerDuty "
        f"answering in {args.pd_latency_ms:g} ms, 120/min per key; {args.senders} senders; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    burst = post_all(url, noisy_token, args.burst, 1000, 1, prefix="noisy")
    a_keys, acked, done = [], {}, {}
    stop_at = time.time() + args.seconds + 10
    thread = threading.Thread(
        target=acknowledge_as_they_arrive,
        args=(app, url, webhook_path, sandbox_url, a_keys, stop_at, acked, done),
    )
    thread.start()
    a_sent = post_all(url, quiet_token, int(args.seconds), 1, 5, prefix="quiet", on_sent=a_keys.append)
    thread.join()
    received, _, throttled = received_events(sandbox_url)
    latencies = [(received[key] - at) * 1000 for key, (at, _) in a_sent.items() if key in received]
    webhook_latencies = [(done[i] - acked[i]) * 1000 for i in done]
    print(f"org A: {len(latencies)} of {len(a_sent)} reached PagerDuty", end="")
    if latencies:
        print(f"; p50 {percentile(latencies, 0.5):.0f} ms, max {max(latencies):.0f} ms", end="")
    print()
    print(f"webhooks: {len(done)} of {len(acked)} applied", end="")
    if webhook_latencies:
        print(
            f"; p50 {percentile(webhook_latencies, 0.5):.0f} ms, max {max(webhook_latencies):.0f} ms "
            "(polled every 0.1 s)",
            end="",
        )
    print()
    print(f"org C meanwhile: {len(set(burst) & set(received))} of {len(burst)} delivered; 429 answers: {throttled}")
    stop(*processes, sandbox)


if __name__ == "__main__":
    main()
