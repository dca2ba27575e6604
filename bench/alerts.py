"""Alert latency and throughput: incidents posted through the API at a steady rate, timed until PagerDuty has them.

    python bench/alerts.py --procfile --rate 50 --seconds 30 --services 50 --pd-latency-ms 200
        # goal: all delivered, 0 × 429, p50 ≤ 300 ms, p99 ≤ 450 ms (with --pd-latency-ms 0: p50 ≤ 30, p99 ≤ 100)
    python bench/alerts.py --procfile --rate 200 --seconds 30 --services 200 --pd-latency-ms 200
        # goal: all delivered, drained within 10 s of the last POST
    python bench/alerts.py --procfile --burst 500       # one key: < 1% 429, all delivered, critical ones first

The sandbox stands in for PagerDuty with its per-key limit on (120 events a minute, 429 beyond) and, with
--pd-latency-ms, answers every call after that long. --services N routes the incidents by namespace over N services
(each its own integration key), with PagerBridge's pacing at its default. --procfile runs the app as deployed: the
Procfile's web line (gunicorn with its settings), --senders × its sender line, one worker and its scheduler;
without it, a gunicorn of 4 processes and the senders. A warm-up at the same rate (--warmup seconds, not counted)
runs first.
Latency is from the API's 201 to the sandbox ingesting the event (after its answer time: the floor is that time).

Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override). Everything runs on loopback.
"""

import argparse
import os
import sys
import threading
import time

import requests
from common import (
    JsonClient,
    at_rate,
    bench_env,
    box_cpu_seconds,
    cpu_seconds,
    gunicorn,
    percentile,
    postgres_cpu_seconds,
    run_procfile,
    sandbox_process,
    start,
    stop,
    wait_for_senders,
)

TOKEN = "bench-token"
CLUSTER = "bench"


def service_key(n):
    """The integration key of bench service n (32 characters, as PagerDuty's)."""
    return f"{n:08d}".rjust(32, "c")


def seed_sandbox(sandbox_url, services):
    requests.post(
        sandbox_url + "/_sandbox/seed",
        json={
            "accounts": [
                {
                    "api_token": TOKEN,
                    "services": [
                        {"name": f"Bench {n}", "id": f"PB{n:05d}", "integration_key": service_key(n)}
                        for n in range(services)
                    ],
                }
            ]
        },
        timeout=30,
    ).raise_for_status()


def setup_org(slug, services, first_service=0):
    """An org connected with the API token, `services` enabled services each with its key, namespace ns-i routed to
    service i (the first the default); returns its API token."""
    from webapp.api.services import create_token
    from webapp.connection.services import connect_api_token
    from webapp.extensions import db
    from webapp.models import Cluster, Namespace, NamespaceRoute, Service
    from webapp.orgs.services import create_org

    org = create_org(slug, slug.title())
    connect_api_token(org.id, TOKEN)
    cluster = Cluster(org_id=org.id, name=CLUSTER)
    db.session.add(cluster)
    for n in range(services):
        number = first_service + n
        service = Service(
            org_id=org.id,
            pd_id=f"PB{number:05d}",
            name=f"Bench {number}",
            enabled=True,
            is_default=n == 0,
            integration_key=service_key(number),
        )
        namespace = Namespace(org_id=org.id, cluster=cluster, name=f"ns-{n}")
        db.session.add_all([service, namespace])
        db.session.flush()
        db.session.add(NamespaceRoute(org_id=org.id, namespace_id=namespace.id, service_id=service.id))
    db.session.commit()
    return create_token(org.id)


def post_all(url, token, count, rate, services, prefix="bench", critical_every=10, on_sent=None):
    """POST `count` incidents at `rate` per second over namespaces ns-0…ns-(services-1); returns
    {dedup key: (time of the 201, critical?)}."""
    sent, failures, lock, local = {}, [], threading.Lock(), threading.local()

    def one(n):
        if not hasattr(local, "client"):  # one keep-alive connection per sender thread, as a detector would keep
            local.client = JsonClient(url, {"Authorization": f"Bearer {token}"})
        critical = n % critical_every == 0
        body = {
            "kind": "kubernetes",
            "title": f"{prefix} {n}",
            "severity": "critical" if critical else "high",
            "cluster": CLUSTER,
            "namespace": f"ns-{n % services}",
            "external_id": f"{prefix}-{n}",
        }
        status, answer = local.client.post("/api/v1/incidents", body)
        with lock:
            if status == 201:
                key = f"incident-{answer['id']}"
                sent[key] = (time.time(), critical)
                if on_sent:
                    on_sent(key)
            else:
                failures.append(status)

    at_rate(count, rate, one)
    if failures:
        print(f"non-201 answers: {sorted(set(failures))} × {len(failures)}")
    return sent


def received_events(sandbox_url):
    """({dedup key: time the sandbox first ingested it}, [dedup keys in order of arrival], 429s answered)."""
    answer = requests.get(sandbox_url + "/_sandbox/events?brief=1", timeout=60).json()
    first, order = {}, []
    for event in answer["events"]:
        if event["dedup_key"] not in first:
            first[event["dedup_key"]] = event["received_at"]
            order.append(event["dedup_key"])
    return first, order, answer["throttled"]


def wait_for_all(sandbox_url, keys, seconds):
    deadline = time.time() + seconds
    while True:
        received, order, throttled = received_events(sandbox_url)
        if set(keys) <= set(received) or time.time() > deadline:
            return received, order, throttled
        time.sleep(0.5)


def start_app(args, env):
    """[web, *senders, ...] and the base URL."""
    if args.procfile:
        return run_procfile(env, args.senders)
    web, url = gunicorn(env)
    senders = [start(env, sys.executable, "-m", "jobs.sender") for _ in range(args.senders)]
    wait_for_senders(env, args.senders)
    return [web, *senders], url


def report(sent, received, order, throttled, last_post):
    latencies = [(received[key] - at) * 1000 for key, (at, _) in sent.items() if key in received]
    ours = [key for key in order if key in sent]
    first_post = min(at for at, _ in sent.values())
    print(
        f"delivered: {len(latencies)} of {len(sent)} accepted (201s over {last_post - first_post:.1f} s); "
        f"lost: {len(sent) - len(latencies)}"
    )
    if latencies:
        print(f"201 → PagerDuty: p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms")
        drained = max(received[key] for key in sent if key in received) - last_post
        print(f"drained {drained:.1f} s after the last 201")
    print(f"429 answers: {throttled} ({100 * throttled / max(len(sent), 1):.2f}%)")
    critical = [n for n, key in enumerate(ours) if sent[key][1]]
    if critical:
        print(f"critical: {len(critical)}, the last of them arrived {critical[-1] + 1}th of {len(ours)}")


def print_cpu(count, senders, used, box, postgres, here, seconds):
    """CPU per incident of each part of the run, and of the whole box (2 cores give 10 ms per incident at 200/s)."""
    web, sender, sandbox = used[0], sum(used[1 : 1 + senders]), used[-1]
    parts = {"web": web, "senders": sender, "PostgreSQL": postgres, "sandbox": sandbox, "load generator": here}
    parts["the rest (kernel, Redis, worker, scheduler)"] = box - sum(parts.values())
    shares = ", ".join(f"{name} {1000 * value / max(count, 1):.1f}" for name, value in parts.items())
    print(f"CPU per incident (ms): {shares}; box {1000 * box / max(count, 1):.1f} ({box / seconds:.2f} cores busy)")


def parser(description=__doc__, **defaults):
    """The command line (shared with bench/storm.py, which only changes the defaults)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--services", type=int, default=50, help="namespace routing over this many services/keys")
    parser.add_argument("--pd-latency-ms", type=float, default=0, help="PagerDuty's answer time")
    parser.add_argument("--procfile", action="store_true", help="run the Procfile's processes, as deployed")
    parser.add_argument("--warmup", type=float, default=3, help="seconds at the same rate before measuring")
    parser.add_argument("--burst", type=int, default=0, help="post this many at once on one key")
    parser.set_defaults(**defaults)
    return parser


def main(args=None):
    """Run one benchmark; returns (sent, received, throttled)."""
    args = args or parser().parse_args()
    services = 1 if args.burst else args.services
    sandbox, sandbox_url = sandbox_process(events_per_minute=120, latency_ms=args.pd_latency_ms)
    seed_sandbox(sandbox_url, services)
    env = bench_env(sandbox_url)
    from webapp import create_app

    with create_app().app_context():
        token = setup_org("bench", services)
    processes, url = start_app(args, env)
    time.sleep(2)
    if args.warmup and not args.burst:
        post_all(url, token, int(args.rate * args.warmup), args.rate, services, prefix="warmup")
        time.sleep(2)
    count = args.burst or int(args.rate * args.seconds)
    print(
        f"{count} incidents at {'once' if args.burst else f'{args.rate:g}/s'} over {services} services; PagerDuty "
        f"answering in {args.pd_latency_ms:g} ms; {'Procfile' if args.procfile else 'plain'} processes, "
        f"{args.senders} senders; load {os.getloadavg()[0]:.1f}"
    )
    cpu_before = [cpu_seconds(process) for process in [*processes, sandbox]]
    box_before, postgres_before, here_before = box_cpu_seconds(), postgres_cpu_seconds(), time.process_time()
    measured_from = time.time()
    sent = post_all(url, token, count, 1000 if args.burst else args.rate, services)
    last_post = max(at for at, _ in sent.values())
    received, order, throttled = wait_for_all(sandbox_url, sent, 900 if args.burst else 120)
    report(sent, received, order, throttled, last_post)
    used = [cpu_seconds(process) - before for process, before in zip([*processes, sandbox], cpu_before, strict=True)]
    box, postgres = box_cpu_seconds() - box_before, postgres_cpu_seconds() - postgres_before
    here, seconds = time.process_time() - here_before, time.time() - measured_from
    print_cpu(len(sent), args.senders, used, box, postgres, here, seconds)
    stop(*processes, sandbox)
    return sent, received, throttled


if __name__ == "__main__":
    main()
