"""Walk response analytics (F48) end to end against running processes, through the contract only.

Creates reports and incidents with the JSON API (routed by namespace, cloud resource and default), has the PagerDuty
sandbox acknowledge, resolve, unacknowledge and reopen them by different responders (its signed v3 webhooks), then
computes the expected figures by hand from what the API, the delivery log and PagerDuty said, and checks that
GET /api/v1/analytics (each group_by, JSON and CSV), the signed-in page and its CSV download give exactly those. Also:
bad parameters answer 422 naming them, and no hostile input answers 500.

    make run   # in another terminal (PORT and SANDBOX_PORT as you like)
    .venv/bin/python scripts/analytics_walk.py --app http://127.0.0.1:5000 --sandbox http://127.0.0.1:5055 \
        --token <API token of the demo org>

Exits 0 when everything matched, 1 with each discrepancy listed otherwise.
"""

import argparse
import re
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests
from analytics_checks import (
    check,
    check_answers,
    check_default_window,
    check_hostile,
    figures_of,
    parse,
    problems,
    sign_in,
)


class Walk:
    """The app's API, its page (signed in) and the sandbox's controls."""

    def __init__(self, args):
        self.app, self.sandbox = args.app.rstrip("/"), args.sandbox.rstrip("/")
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {args.token}"
        self.browser = requests.Session()
        self.email, self.password = args.email, args.password
        self.items: dict[str, dict] = {}  # dedup key -> what we know about it
        self.tag = uuid.uuid4().hex[:6]

    def wait_up(self, timeout: float = 60) -> None:
        """Until the web process and the sandbox answer (make run starts the web process last)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.api.get(f"{self.app}/api/v1/openapi.json", timeout=5).ok and requests.get(self.sandbox).ok:
                    return
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the app or the sandbox is not up"
            time.sleep(0.5)

    def wait_quiet(self, timeout: float = 120) -> None:
        """Until nothing waits in the delivery log (the demo's own work is paged first, outside our window)."""
        deadline = time.monotonic() + timeout
        while any(
            d["status"] in ("pending", "retrying")
            for d in self.api.get(f"{self.app}/api/v1/deliveries?limit=100", timeout=10).json()["items"]
        ):
            assert time.monotonic() < deadline, "deliveries still waiting"
            time.sleep(0.5)

    # --- creating work -------------------------------------------------------------------------------------------
    def create(self, name: str, path: str, body: dict) -> None:
        answer = self.api.post(f"{self.app}/api/v1/{path}", json=body, timeout=10)
        assert answer.status_code == 201, (path, answer.status_code, answer.text)
        created = answer.json()
        kind = "report" if path == "reports" else created.get("kind", body.get("kind"))
        key = f"{'report' if path == 'reports' else 'incident'}-{created['id']}"
        read = self.api.get(f"{self.app}/api/v1/{path}/{created['id']}", timeout=10).json()
        start = read["submitted_at"] if path == "reports" else read["created_at"]  # the contract's GET carries them
        self.items[key] = {"name": name, "kind": kind, "path": path, "id": created["id"], "start": parse(start)}
        self.items[key].update(acks=[], resolutions=[], reopens=[])

    def wait_paged(self, timeout: float = 60) -> None:
        """Until PagerDuty accepted each item's first trigger: its delivery time, severity and incident."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deliveries = self.api.get(f"{self.app}/api/v1/deliveries?limit=100", timeout=10).json()["items"]
            incidents = requests.get(f"{self.sandbox}/_sandbox/incidents", timeout=10).json()["incidents"]
            for key, item in self.items.items():
                triggers = [
                    d for d in deliveries if d["dedup_key"] == key and d["action"] == "trigger" and d["delivered_at"]
                ]
                found = [i for i in incidents if i["incident_key"] == key]
                if triggers and found:
                    first = min(triggers, key=lambda d: parse(d["delivered_at"]))
                    item.update(paged=parse(first["delivered_at"]), route=first["target"], pd=found[-1]["id"])
                    item["service"] = found[-1]["service"]["summary"]
            if all("pd" in item for item in self.items.values()):
                break
            time.sleep(0.5)
        missing = [item["name"] for item in self.items.values() if "pd" not in item]
        assert not missing, f"never paged: {missing}"
        for key, item in self.items.items():
            events = requests.get(f"{self.sandbox}/_sandbox/events", params={"dedup_key": key}, timeout=10).json()
            first = next(e for e in events["events"] if e["event_action"] == "trigger")
            item["severity"] = first["body"]["payload"]["severity"]

    # --- PagerDuty's side --------------------------------------------------------------------------------------------
    def act(self, name: str, action: str, user: str | None = None) -> None:
        """acknowledge | resolve by a sandbox user (PUSER01..04), or a story action (unacknowledge, reopen)."""
        item = next(i for i in self.items.values() if i["name"] == name)
        story = "" if action in ("acknowledge", "resolve") else "story/"
        url = f"{self.sandbox}/_sandbox/incidents/{item['pd']}/{story}{action}?sync=1"
        answer = requests.post(url, json={"user_id": user} if user else {}, timeout=15)
        assert answer.ok, (name, action, answer.text)
        sent = [w for w in answer.json()["webhooks"] if w["url"].startswith(self.app)]
        assert sent and all(200 <= w["status"] < 300 for w in sent), (name, action, sent)
        at = parse(sent[0]["occurred_at"])
        if action == "acknowledge":
            item["acks"].append((at, sent[0]["agent"]))
        elif action == "resolve":
            item["resolutions"].append(at)
        elif action == "reopen":
            item["reopens"].append(at)
        time.sleep(0.35)  # distinct times between steps

    def items_named(self, name: str) -> dict:
        return next(i for i in self.items.values() if i["name"] == name)

    def wait_applied(self, timeout: float = 60) -> None:
        """Until the app shows each item in PagerDuty's status (webhooks are applied by the worker, after the 202)."""
        deadline = time.monotonic() + timeout
        while True:
            incidents = requests.get(f"{self.sandbox}/_sandbox/incidents", timeout=10).json()["incidents"]
            status = {i["id"]: i["status"] for i in incidents}
            behind = [
                item["name"]
                for item in self.items.values()
                if self.api.get(f"{self.app}/api/v1/{item['path']}/{item['id']}", timeout=10).json()["pagerduty"][
                    "status"
                ]
                != status[item["pd"]]
            ]
            if not behind:
                return
            assert time.monotonic() < deadline, f"webhooks not applied: {behind}"
            time.sleep(0.5)

    # --- expected figures --------------------------------------------------------------------------------------------
    def expected_of(self, item: dict) -> dict:
        """One item's figures by the definitions in product.md and docs/analytics.md."""
        first_ack = min(item["acks"], default=None)
        latest = max(item["resolutions"], default=None)
        if latest is not None and any(reopen > latest for reopen in item["reopens"]):
            latest = None  # reopened after its latest resolution: not resolved now
        facts = {
            "kind": item["kind"],
            "severity": item["severity"],
            "service": item["service"],
            "responder": first_ack[1] if first_ack else None,
            "page": (item["paged"] - item["start"]).total_seconds(),
            "ack": (first_ack[0] - item["paged"]).total_seconds() if first_ack else None,
            "resolve": (latest - item["paged"]).total_seconds() if latest else None,
        }
        if item["path"] == "reports":
            report = self.api.get(f"{self.app}/api/v1/reports/{item['id']}", timeout=10).json()
            facts["sla"] = (
                "breached"
                if report["sla_state"] == "breached"
                else "met"
                if report["status"] in ("resolved", "dismissed")
                else "open"
            )
        else:
            facts["sla"] = None
        return facts

    def expected(self, group_by: str) -> tuple[dict, list[dict]]:
        facts = [self.expected_of(item) for item in self.items.values()]
        keyed: dict[str, list[dict]] = {}
        for fact in facts:
            if fact[group_by] is not None:
                keyed.setdefault(fact[group_by], []).append(fact)
        groups = [{"key": key, **figures_of(rows)} for key, rows in keyed.items()]
        groups.sort(key=lambda g: (-g["paged"], g["key"]))
        return figures_of(facts), groups


def scenario(walk: Walk) -> None:
    """Three services by route (namespace, cloud resource, default) and the VDP key; four responders."""
    tag = walk.tag
    walk.create(
        "k8s payments",
        "incidents",
        {
            "kind": "kubernetes",
            "title": f"OOM in payments-api {tag}",
            "severity": "high",
            "cluster": "prod-eu",
            "namespace": "payments",
            "external_id": f"walk-1-{tag}",
        },
    )
    walk.create(
        "k8s web",
        "incidents",
        {
            "kind": "kubernetes",
            "title": f"Crash loop in web {tag}",
            "severity": "medium",
            "cluster": "prod-eu",
            "namespace": "web",
            "external_id": f"walk-2-{tag}",
        },
    )
    walk.create(
        "s3 public",
        "incidents",
        {
            "kind": "cloud",
            "title": f"Bucket made public {tag}",
            "severity": "critical",
            "provider": "aws",
            "resource_id": "arn:aws:s3:::acme-customer-exports",
            "resource_type": "s3_bucket",
            "external_id": f"walk-3-{tag}",
        },
    )
    walk.create(
        "oci backups",
        "incidents",
        {
            "kind": "cloud",
            "title": f"Backups bucket open {tag}",
            "severity": "low",
            "provider": "oci",
            "resource_id": "ocid1.bucket.oc1..aaaabackups",
            "resource_type": "bucket",
            "external_id": f"walk-4-{tag}",
        },
    )
    walk.create(
        "staging web",
        "incidents",
        {
            "kind": "kubernetes",
            "title": f"Pod evicted {tag}",
            "severity": "critical",
            "cluster": "staging",
            "namespace": "web",
            "external_id": f"walk-5-{tag}",
        },
    )
    walk.create("xss report", "reports", {"title": f"Stored XSS {tag}", "severity": "high"})
    walk.create("sqli report", "reports", {"title": f"SQL injection {tag}", "severity": "critical"})
    walk.create("quiet report", "reports", {"title": f"Typo in headers {tag}"})
    walk.wait_paged()
    walk.act("k8s payments", "acknowledge", "PUSER03")  # Grace acknowledges, then resolves
    walk.act("staging web", "acknowledge", "PUSER04")  # Linus
    walk.act("xss report", "acknowledge", "PUSER02")  # Max first ...
    walk.act("k8s payments", "resolve", "PUSER03")
    walk.act("sqli report", "acknowledge", "PUSER01")  # Ada first, then it times out and Grace takes it
    walk.act("s3 public", "resolve", "PUSER01")  # resolved without an acknowledgement
    walk.act("xss report", "resolve", "PUSER02")
    walk.act("k8s web", "acknowledge", "PUSER04")  # Linus; resolved, reopened: not resolved now
    walk.act("sqli report", "unacknowledge")
    walk.act("k8s web", "resolve", "PUSER04")
    walk.act("xss report", "reopen", "PUSER01")  # ... reopened, acknowledged again by Ada, resolved again
    walk.act("sqli report", "acknowledge", "PUSER03")
    walk.act("k8s web", "reopen", "PUSER02")
    walk.act("xss report", "acknowledge", "PUSER01")
    walk.act("staging web", "resolve", "PUSER04")
    walk.act("xss report", "resolve", "PUSER01")
    # "oci backups" and "quiet report" stay open and never acknowledged.
    status = walk.api.post(
        f"{walk.app}/api/v1/reports/{walk.items_named('xss report')['id']}/status",
        json={"status": "dismissed"},
        timeout=10,
    )  # SLA met (closed); already resolved in PagerDuty, so the auto-resolve changes nothing there
    assert status.ok, status.text


def set_low_sla_hours(walk: Walk, hours: str | None) -> str:
    """Settings → SLA as an admin: the hours of low reports (None: leave them); returns the hours it had."""
    form = walk.browser.get(f"{walk.app}/settings/sla/", timeout=10).text
    fields = dict(
        re.findall(r'name="(hours-[a-z-]+|at_risk_percent|at_risk_hours|csrf_token)"[^>]*value="([^"]*)"', form)
    )
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    before = fields["hours-low"]
    if hours is not None:
        answer = walk.browser.post(f"{walk.app}/settings/sla/", data={**fields, "hours-low": hours}, timeout=30)
        assert answer.status_code == 200, ("sla policy", answer.status_code)
    return before


def breach(walk: Walk) -> None:
    """A low report whose SLA window (0.0005 h) passes at once: saving the policy breaches it; it is resolved in
    PagerDuty and dismissed before the policy is put back (a closed report keeps its SLA state: still breached)."""
    sign_in(walk)
    walk.create("late report", "reports", {"title": f"Verbose errors {walk.tag}", "severity": "low"})
    walk.wait_paged()
    time.sleep(2)
    late = f"{walk.app}/api/v1/reports/{walk.items_named('late report')['id']}"
    before = set_low_sla_hours(walk, "0.0005")
    try:
        state = walk.api.get(late, timeout=10).json()["sla_state"]
        check(state == "breached", f"late report: SLA {state} (expected breached)")
        walk.act("late report", "resolve", "PUSER03")  # Grace resolves it without acknowledging
        closed = walk.api.post(f"{late}/status", json={"status": "dismissed"}, timeout=10)
        assert closed.ok, closed.text
    finally:
        set_low_sla_hours(walk, before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="http://127.0.0.1:5000")
    parser.add_argument("--sandbox", default="http://127.0.0.1:5055")
    parser.add_argument("--token", required=True, help="an API token of the org connected to the sandbox")
    parser.add_argument("--email", default="admin@example.com")
    parser.add_argument("--password", default="demo-password")
    walk = Walk(parser.parse_args())
    walk.wait_up()
    walk.wait_quiet()
    since = datetime.now(UTC)  # after the demo's own work was paged: the window holds the walk's alone
    scenario(walk)
    breach(walk)
    walk.wait_applied()
    check_answers(walk, since, datetime.now(UTC) + timedelta(seconds=1))
    check_default_window(walk)
    check_hostile(walk)
    print(f"\n{len(problems)} discrepancies" + "".join(f"\n  - {p}" for p in problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
