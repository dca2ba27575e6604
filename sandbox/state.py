"""The sandbox's in-memory PagerDuty account data, guarded by one lock."""

import secrets
import string
import threading
import time
from collections import deque
from dataclasses import dataclass, field

ALPHABET = string.ascii_uppercase + string.digits


def new_id():
    """A PagerDuty-style object id: 'P' and 6 upper-case letters or digits."""
    # One 64-bit draw for the 6 characters (secrets.choice each was 6 reads of the system's randomness); the bias of
    # 2**64 modulo 36**6 is below one in a billion.
    number, characters = secrets.randbits(64), []
    for _ in range(6):
        number, digit = divmod(number, 36)
        characters.append(ALPHABET[digit])
    return "P" + "".join(characters)


def new_key():
    """A 32-character Events API v2 integration key."""
    return secrets.token_hex(16)


@dataclass
class Fault:
    """An injected failure: answer `mode` (401, 403, 429, 500, slow: after `delay` s, or hang: no answer until the
    client has timed out, then carried out) for the next `count` requests of `scope`."""

    mode: str
    count: int | None = None
    retry_after: int = 1
    delay: float = 0.0
    scope: str = "all"


@dataclass
class Account:
    """One PagerDuty account, reached with one REST API token."""

    api_token: str
    token_type: str = "user"
    user_email: str = "owner@example.com"
    services: dict = field(default_factory=dict)
    users: list = field(default_factory=list)
    schedules: list = field(default_factory=list)
    v3_schedules: list = field(default_factory=list)
    subscriptions: list = field(default_factory=list)


class SandboxState:
    """Everything the sandbox knows; every method takes the lock, so threaded requests stay consistent."""

    def __init__(self, events_per_minute=120):
        self.lock = threading.RLock()
        self.reset(events_per_minute)

    def reset(self, events_per_minute=None):
        """Forget everything; tests start unthrottled unless they say otherwise."""
        with self.lock:
            self.accounts, self.key_to_service, self.incidents = {}, {}, {}
            self.incidents_by_alert_key = {}  # (routing key, alert key): its incidents, oldest first
            self.events, self.notes, self.webhook_deliveries = [], [], []
            self.faults, self.windows = [], {}
            self.events_per_minute = events_per_minute
            self.latency_ms = 0
            self.waiting = self.most_waiting = 0  # calls waiting out the latency now, and the most at once
            self.incident_numbers = self.throttled = self.hung = 0

    # ----- seeding
    def seed(self, document):
        """Add accounts from a seed document ({"accounts": [...]}); returns the created accounts."""
        with self.lock:
            return [self._seed_account(spec) for spec in document.get("accounts", [])]

    def _seed_account(self, spec):
        account = Account(
            api_token=spec["api_token"],
            token_type=spec.get("token_type", "user"),
            user_email=spec.get("user_email", "owner@example.com"),
        )
        self.accounts[account.api_token] = account
        for service in spec.get("services", []):
            self.add_service(account, service.get("name", "Service"), service.get("id"), service.get("integration_key"))
        for user in spec.get("users", []):
            account.users.append({"id": user.get("id") or new_id(), "name": user["name"], "email": user["email"]})
        for schedule in spec.get("schedules", []):
            account.schedules.append(self._schedule(account, schedule))
        for schedule in spec.get("v3_schedules", []):
            account.v3_schedules.append(self._schedule(account, schedule))
        return account

    def _schedule(self, account, spec):
        emails = [email.lower() for email in spec.get("users", [])]
        user_ids = [user["id"] for email in emails for user in account.users if user["email"].lower() == email]
        return {
            "id": spec.get("id") or new_id(),
            "name": spec["name"],
            "user_ids": user_ids,
            "shift_seconds": int(spec.get("shift_seconds", 86400)),
            "start": float(spec.get("start", 0)),
        }

    def add_service(self, account, name, service_id=None, integration_key=None):
        """Create a service, with an Events API v2 integration when a key is given."""
        service = {
            "id": service_id or new_id(),
            "name": name,
            "description": f"{name} (sandbox)",
            "status": "active",
            "integrations": [],
            "created_at": time.time(),
        }
        account.services[service["id"]] = service
        if integration_key:
            self.add_integration(service, integration_key)
        return service

    def add_integration(self, service, integration_key=None, name="Events API v2"):
        """Add an Events API v2 integration to a service; returns it."""
        integration = {
            "id": new_id(),
            "name": name,
            "type": "events_api_v2_inbound_integration",
            "integration_key": integration_key or new_key(),
            "created_at": time.time(),
        }
        service["integrations"].append(integration)
        self.key_to_service[integration["integration_key"]] = service["id"]
        return integration

    def account_for_service(self, service_id):
        """The account that owns a service id."""
        return next((a for a in self.accounts.values() if service_id in a.services), None)

    def remove_service(self, service_id):
        """Delete a service (tests of 'gone from PagerDuty')."""
        with self.lock:
            account = self.account_for_service(service_id)
            if account:
                account.services.pop(service_id)

    # ----- faults and pacing
    def add_fault(self, mode, count=None, retry_after=1, delay=0.0, scope="all"):
        """Make the next `count` requests of `scope` (events, rest, all) fail as `mode`."""
        with self.lock:
            self.faults.append(Fault(mode, count, retry_after, delay, scope))

    def clear_faults(self):
        """Stop injecting failures."""
        with self.lock:
            self.faults = []

    def take_fault(self, scope):
        """The fault that applies to this request, if any (consuming one use)."""
        with self.lock:
            for fault in self.faults:
                if fault.scope in (scope, "all"):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.faults.remove(fault)
                    return fault
            return None

    def count_hung(self):
        """One more call held unanswered by a hang fault."""
        with self.lock:
            self.hung += 1

    def allow_event(self, routing_key, now=None):
        """PagerDuty's ~120 events a minute per integration key, as a sliding 60 s window."""
        with self.lock:
            if not self.events_per_minute:
                return True
            now = now or time.time()
            window = self.windows.setdefault(routing_key, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.events_per_minute:
                self.throttled += 1
                return False
            window.append(now)
            return True

    def answer_late(self):
        """Wait PagerDuty's answer time (injected), counting how many calls wait at once."""
        delay = self.answer_delay()
        if not delay:
            return
        self.begin_waiting()
        try:
            time.sleep(delay)
        finally:
            self.end_waiting()

    def answer_delay(self):
        """PagerDuty's answer time in seconds (0: none)."""
        return (self.latency_ms or 0) / 1000.0

    def begin_waiting(self):
        """One more call waiting out the answer time (the most at once is kept)."""
        with self.lock:
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)

    def end_waiting(self):
        """A call has waited out the answer time."""
        with self.lock:
            self.waiting -= 1

    # ----- reading
    def received_events(self, routing_key=None, dedup_key=None):
        """Events ingested (202), oldest first, optionally filtered."""
        with self.lock:
            return [
                e
                for e in self.events
                if (routing_key is None or e["routing_key"] == routing_key)
                and (dedup_key is None or e["dedup_key"] == dedup_key)
            ]

    def incident_by_key(self, dedup_key):
        """The newest incident with this incident key."""
        with self.lock:
            matches = [i for i in self.incidents.values() if i["incident_key"] == dedup_key]
            return matches[-1] if matches else None
