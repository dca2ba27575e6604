"""The sandbox's CPU per Events API call, as the storm calls it: keep-alive clients posting at a fixed rate.

    python bench/sandbox_cpu.py                              # 6,000 triggers at 200/s over 200 keys, 200 ms answers
    python bench/sandbox_cpu.py --count 3000 --latency-ms 0  # the same without PagerDuty's answer time
    python bench/sandbox_cpu.py --webhooks                   # every account subscribed to incident.triggered

Starts `python -m sandbox` (gunicorn, as the benchmarks run it) with its per-key limit on (120 a minute), seeds 200
services, then `--clients` threads, each with one kept-alive connection (as the senders' sessions keep theirs), post
`--count` triggers `--rate` a second, each event due at its own time. Prints the sandbox process's CPU per event from
/proc (process CPU, not wall time: the box is shared), the answers by status, and the most calls waiting at once.
With --webhooks a local sink takes the incident.triggered webhooks (its CPU is not the sandbox's). No database needed.
"""

import argparse
import http.client
import itertools
import json
import os
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from alerts import TOKEN, seed_sandbox, service_key
from common import cpu_seconds, free_port, sandbox_process, stop


class Sink(BaseHTTPRequestHandler):
    """A webhook receiver that answers 200 and keeps nothing."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def subscribe(sandbox_url: str) -> ThreadingHTTPServer:
    """A webhook subscription of the bench account to a local sink, for incident.triggered; returns the sink."""
    sink = ThreadingHTTPServer(("127.0.0.1", free_port()), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    answer = requests.post(
        sandbox_url + "/webhook_subscriptions",
        headers={"Authorization": f"Token token={TOKEN}"},
        json={
            "webhook_subscription": {
                "type": "webhook_subscription",
                "delivery_method": {"type": "http_delivery_method", "url": f"http://127.0.0.1:{sink.server_port}/"},
                "events": ["incident.triggered"],
                "filter": {"type": "account_reference"},
            }
        },
        timeout=10,
    )
    answer.raise_for_status()
    return sink


def user_and_system(process) -> tuple[float, float]:
    """CPU seconds in user and in kernel mode so far of a process and its children (gunicorn's worker), from /proc."""
    user = system = 0.0
    pids = [process.pid]
    while pids:
        pid = pids.pop()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = user + int(fields[11]), system + int(fields[12])
        pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return user / os.sysconf("SC_CLK_TCK"), system / os.sysconf("SC_CLK_TCK")


def post_all(url: str, bodies: list[bytes], rate: float, clients: int) -> Counter:
    """Post every body, body n at start + n / rate, over `clients` kept-alive connections; answers by status."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    numbers, statuses, lock = itertools.count(), Counter(), threading.Lock()
    started = time.monotonic() + 0.2
    headers = {"Content-Type": "application/json"}

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        while (n := next(numbers)) < len(bodies):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            connection.request("POST", "/v2/enqueue", bodies[n], headers)
            response = connection.getresponse()
            response.read()
            with lock:
                statuses[response.status] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def main() -> None:
    """Run the load once and print the sandbox's CPU per event."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--clients", type=int, default=96, help="kept-alive connections (2 senders × 48 threads)")
    parser.add_argument("--webhooks", action="store_true", help="subscribe the account to incident.triggered")
    args = parser.parse_args()
    sandbox, url = sandbox_process(events_per_minute=120, latency_ms=args.latency_ms)
    try:
        seed_sandbox(url, args.services)
        sink = subscribe(url) if args.webhooks else None
        bodies = [
            json.dumps(
                {
                    "routing_key": service_key(n % args.services),
                    "event_action": "trigger",
                    "dedup_key": f"incident-{n}",
                    "payload": {"summary": f"storm {n}", "source": "bench", "severity": "error"},
                }
            ).encode()
            for n in range(args.count)
        ]
        print(f"sandbox pid {sandbox.pid}: {args.count} events at {args.rate:.0f}/s, {args.latency_ms:.0f} ms answers")
        before, split, wall = cpu_seconds(sandbox), user_and_system(sandbox), time.monotonic()
        statuses = post_all(url, bodies, args.rate, args.clients)
        used, wall = cpu_seconds(sandbox) - before, time.monotonic() - wall
        user, system = (after - earlier for after, earlier in zip(user_and_system(sandbox), split, strict=True))
        summary = requests.get(url + "/_sandbox/events?brief=1", timeout=60).json()
        print(
            f"answers {dict(sorted(statuses.items()))} in {wall:.1f} s ({args.count / wall:.0f}/s), "
            f"{len(summary['events'])} ingested, most waiting at once {summary['most_waiting']}"
        )
        print(
            f"sandbox CPU per event: {used / args.count * 1000:.2f} ms ({used:.2f} s for {args.count}; user "
            f"{user / args.count * 1000:.2f} ms, kernel {system / args.count * 1000:.2f} ms); "
            f"load {os.getloadavg()[0]:.1f}"
        )
        if sink:
            time.sleep(1)
            outcomes = requests.get(url + "/_sandbox/webhook_deliveries", timeout=60).json()["webhook_deliveries"]
            print(f"webhooks: {Counter(str(o['status']) for o in outcomes)}")
            sink.shutdown()
    finally:
        stop(sandbox)


if __name__ == "__main__":
    main()
