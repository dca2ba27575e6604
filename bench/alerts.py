"""Alert latency and throughput: incidents posted through the API at a steady rate, timed until the sandbox has them.

    python bench/alerts.py [--rate 50] [--seconds 60] [--workers 2]      # goal: p50 < 50 ms, p99 < 250 ms, 0 lost

A warm-up at the same rate (--warmup seconds, default 3; not counted) lets every process compile its statements and
open its connections first, so the numbers describe a running system rather than its first second.
    python bench/alerts.py --burst 500                                    # sandbox at 120/min: <1% 429, all arrive

Needs PostgreSQL and Redis on localhost (BENCH_DATABASE_URL, BENCH_REDIS_URL override). Everything runs on loopback.
"""

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from common import bench_env, gunicorn, percentile, sandbox_process, start, stop

KEY = "c" * 31 + "9"
TOKEN = "bench-token"


def setup(env, pace):
    from webapp import create_app
    from webapp.api.services import create_token
    from webapp.connection.services import connect_routing_key
    from webapp.orgs.services import create_org

    app = create_app({"EVENTS_PER_MINUTE": pace})
    with app.app_context():
        org = create_org("bench", "Bench")
        connect_routing_key(org.id, KEY, "Bench service")
        return create_token(org.id)


def post_all(url, token, count, rate, prefix="bench"):
    """POST `count` incidents at `rate` per second; returns {dedup key: time of the 201}."""
    sent, failures, lock, local = {}, [], threading.Lock(), threading.local()

    def one(n):
        if not hasattr(local, "session"):  # one keep-alive connection per sender thread, as a detector would keep
            local.session = requests.Session()
            local.session.headers["Authorization"] = f"Bearer {token}"
        body = {
            "kind": "kubernetes",
            "title": f"bench {n}",
            "severity": "critical" if n % 10 == 0 else "high",
            "cluster": "bench",
            "namespace": f"ns-{n % 50}",
            "external_id": f"{prefix}-{n}",
        }
        response = local.session.post(url + "/api/v1/incidents", json=body, timeout=10)
        with lock:
            if response.status_code == 201:
                sent[f"incident-{response.json()['id']}"] = time.time()
            else:
                failures.append(response.status_code)

    start_at = time.time()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(count):
            delay = start_at + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)
    if failures:
        print(f"non-201 answers: {sorted(set(failures))} × {len(failures)}")
    return sent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=3, help="seconds at the same rate before measuring")
    parser.add_argument("--burst", type=int, default=0, help="send this many at once to a sandbox enforcing 120/min")
    args = parser.parse_args()
    sandbox, sandbox_url = sandbox_process(events_per_minute=120 if args.burst else 0)
    requests.post(
        sandbox_url + "/_sandbox/seed",
        json={"accounts": [{"api_token": TOKEN, "services": [{"name": "Bench", "integration_key": KEY}]}]},
    )
    pace = 100 if args.burst else 100_000
    env = bench_env(sandbox_url, PAGERBRIDGE_EVENTS_PER_MINUTE=str(pace))
    token = setup(env, pace)
    web, url = gunicorn(env)
    workers = [start(env, sys.executable, "-m", "jobs.worker") for _ in range(args.workers)]
    time.sleep(2)
    if args.warmup and not args.burst:
        post_all(url, token, int(args.rate * args.warmup), args.rate, prefix="warmup")
        time.sleep(1)
    count = args.burst or int(args.rate * args.seconds)
    rate = 1000 if args.burst else args.rate
    started = time.time()
    sent = post_all(url, token, count, rate)
    deadline = time.time() + (600 if args.burst else 60)
    while True:
        answer = requests.get(sandbox_url + "/_sandbox/events?brief=1", timeout=30).json()
        received = {}
        for event in answer["events"]:
            received.setdefault(event["dedup_key"], event["received_at"])
        if len(set(received) & set(sent)) >= len(sent) or time.time() > deadline:
            break
        time.sleep(0.5)
    latencies = [(received[key] - at) * 1000 for key, at in sent.items() if key in received]
    lost = len(sent) - len(latencies)
    elapsed = time.time() - started
    print(
        f"incidents accepted (201): {len(sent)} of {count} in {elapsed:.1f} s; "
        f"throughput {len(latencies) / elapsed:.1f}/s delivered"
    )
    if latencies:
        print(
            f"201 → sandbox latency: p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms"
        )
    print(f"lost: {lost}")
    if args.burst:
        throttled = answer["throttled"]
        print(f"429 answers from the sandbox: {throttled} ({100 * throttled / max(count, 1):.2f}%)")
    stop(web, sandbox, *workers)


if __name__ == "__main__":
    main()
