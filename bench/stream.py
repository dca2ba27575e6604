"""The fault run's load: a steady stream of incidents, reports and progress notes through the JSON API, and a record
of every answer (what was accepted must reach PagerDuty; what was refused must have been refused in words)."""

import itertools
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

CLUSTER = "bench"


class Stream:
    """POSTs an incident every tick, a report every fourth, and a progress note (a PATCH with a new root cause) on
    an incident accepted earlier; start() and stop() bracket one phase."""

    def __init__(self, url, token, rate, services):
        self.url, self.rate, self.services = url, rate, services
        self.headers = {"Authorization": f"Bearer {token}"}
        self.incidents, self.reports, self.notes = {}, {}, {}  # id or marker -> phase
        self.answers = Counter()  # (phase, what, status or error name, has Retry-After)
        self.lock, self.local, self.counter = threading.Lock(), threading.local(), itertools.count()
        self.phase, self.running, self.thread = None, threading.Event(), None
        self.pool = ThreadPoolExecutor(max_workers=32)

    def start(self, phase):
        self.phase = phase
        self.running.set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self):
        """Stop posting and wait for every call in flight to be answered."""
        self.running.clear()
        self.thread.join()
        self.pool.submit(lambda: None).result()
        self.pool.shutdown(wait=True)
        self.pool = ThreadPoolExecutor(max_workers=32)

    def _run(self):
        started, tick = time.time(), 0
        while self.running.is_set():
            delay = started + tick / self.rate - time.time()
            if delay > 0:
                time.sleep(delay)
            n = next(self.counter)
            self.pool.submit(self._incident, n)
            if n % 4 == 0:
                self.pool.submit(self._report, n)
            self.pool.submit(self._note, n)
            tick += 1

    def _call(self, what, method, path, body):
        for attempt in (1, 2):
            if attempt == 2 or not hasattr(self.local, "session"):
                self.local.session = requests.Session()
                self.local.session.headers.update(self.headers)
            try:
                response = self.local.session.request(method, self.url + "/api/v1" + path, json=body, timeout=30)
            except requests.RequestException as error:
                # A kept-alive connection gunicorn closed as it was reused: sent again once on a new one, as
                # clients do (the same body: an incident's external_id makes that safe).
                again = attempt == 1 and isinstance(error, requests.ConnectionError)
                answer = "resent after a dropped connection" if again else type(error).__name__
                with self.lock:
                    self.answers[(self.phase, what, answer, False)] += 1
                if again:
                    continue
                return None
            with self.lock:
                self.answers[(self.phase, what, response.status_code, "Retry-After" in response.headers)] += 1
            return response
        return None

    def _incident(self, n):
        body = {
            "kind": "kubernetes",
            "title": f"fault run {n}",
            "severity": "high",
            "cluster": CLUSTER,
            "namespace": f"ns-{n % self.services}",
            "external_id": f"fault-{n}",
        }
        response = self._call("incident", "POST", "/incidents", body)
        if response is not None and response.status_code == 201:
            with self.lock:
                self.incidents[response.json()["id"]] = self.phase

    def _report(self, n):
        response = self._call("report", "POST", "/reports", {"title": f"fault run report {n}", "severity": "low"})
        if response is not None and response.status_code == 201:
            with self.lock:
                self.reports[response.json()["id"]] = self.phase

    def _note(self, n):
        with self.lock:  # an incident accepted at least a second ago (its trigger is queued), each noted twice
            candidates = list(self.incidents)[-40:-5]
        if not candidates:
            return
        incident_id = candidates[n % len(candidates)]
        marker = f"cause-{incident_id}-{uuid.uuid4().hex[:12]}"
        response = self._call("note", "PATCH", f"/incidents/{incident_id}", {"root_cause": marker})
        if response is not None and response.status_code == 200:
            with self.lock:
                self.notes[marker] = self.phase

    def refused(self, phase):
        """{(what, answer, Retry-After?): count} of the phase's answers other than 200/201."""
        return {
            (what, status, retry): count
            for (p, what, status, retry), count in self.answers.items()
            if p == phase and status not in (200, 201)
        }
