"""JSON logs to stdout for web, worker and scheduler: one line per request and per job, secrets redacted."""

import inspect
import logging
import re
import sys
import time
from functools import cache

import click
from pythonjsonlogger.json import JsonFormatter

from webapp import config

KEY_PATTERN = re.compile(r"\b[0-9a-zA-Z_+\-]{20,}\b")
UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
KEPT_PREFIXES = ("report-", "incident-", "war-room-", "periodic-", "oncall-sync-")
WEBHOOK_PATH = re.compile(r"(/webhooks/pagerduty/)[^/?#\s]+")
QUIET_LOGGERS = ("werkzeug", "rq_scheduler.scheduler")
_configured = {}


def redact_text(text):
    """Text with anything shaped like a key or token removed (dedup keys, job ids and UUIDs stay readable)."""

    def replace(match):
        word = match.group(0)
        return word if word.startswith(KEPT_PREFIXES) or UUID.match(word) else "[redacted]"

    return KEY_PATTERN.sub(replace, WEBHOOK_PATH.sub(r"\1[redacted]", text))


class RedactSecrets(logging.Filter):
    """Redact the formatted message of every record before a handler writes it."""

    def filter(self, record):
        record.msg, record.args = redact_text(record.getMessage()), None
        return True


class RedactedJsonFormatter(JsonFormatter):
    """JSON lines whose tracebacks are redacted as messages are (an exception may quote a request or a key)."""

    def formatException(self, ei):
        return redact_text(super().formatException(ei))

    def formatStack(self, stack_info):
        return redact_text(super().formatStack(stack_info))


class AddContext(logging.Filter):
    """Stamp each record with the process, and the request id or job id it was logged under."""

    def __init__(self, process_name):
        super().__init__()
        self.process_name = process_name

    def filter(self, record):
        record.process_name = self.process_name
        if not hasattr(record, "request_id"):
            request_id = _current_request_id()
            if request_id:
                record.request_id = request_id
        if not hasattr(record, "job_id"):
            job = _current_job()
            if job is not None:
                record.job_id = job.id
        return True


def _current_request_id():
    from flask import g, has_request_context

    return g.get("request_id") if has_request_context() else None


def _current_job():
    from rq import get_current_job

    try:
        return get_current_job()
    except Exception:  # noqa: BLE001 - outside a worker there is no job, whatever RQ raises for it
        return None


class ConsoleHandler(logging.StreamHandler):
    """stdout, looked up at each write (so test capture sees it); stderr inside a CLI command, whose stdout is
    its output (`settings export > file.json` must stay JSON)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stderr if click.get_current_context(silent=True) is not None else sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def json_formatter():
    """One JSON object per line: time, level, logger, process, message, then the record's extra fields."""
    return RedactedJsonFormatter(
        "{asctime}{levelname}{name}{process_name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process_name": "process"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        json_ensure_ascii=False,
    )


def configure_logging(process_name):
    """Once per process: INFO and up as JSON lines on stdout, secrets redacted, and Sentry when SENTRY_DSN is set.

    The first call names the process (the worker calls it before create_app, which calls it again as "web").
    """
    # why: error reporting redacts with this module's patterns
    from webapp.errorreporting import init_error_reporting

    if _configured:
        return _configured["handler"]
    handler = ConsoleHandler()
    handler.setFormatter(json_formatter())
    handler.addFilter(AddContext(process_name))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, ConsoleHandler):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(config.log_level())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    init_error_reporting(process_name)
    _configured.update(handler=handler, process=process_name)
    return handler


class JobLogging:
    """RQ worker mixin: one log line per job with its id, function, org (when an argument names it), outcome and
    duration."""

    def execute_job(self, job, queue):
        started = time.perf_counter()
        outcome = "failed"
        try:
            super().execute_job(job, queue)
            outcome = job.get_status(refresh=False) or "finished"
        finally:
            _log_job(job, queue, outcome, time.perf_counter() - started)


def _log_job(job, queue, outcome, seconds):
    status = getattr(outcome, "value", outcome)
    result = getattr(job, "_result", None)
    fields = {
        "job_id": job.id,
        "function": job.func_name,
        "queue": queue.name,
        "outcome": status,
        "duration_ms": round(seconds * 1000, 1),
    }
    org_id = _org_argument(job)
    if org_id is not None:
        fields["org_id"] = org_id
    if isinstance(result, str) and status == "finished":
        fields["result"] = result[:200]
    level = logging.INFO if status in ("finished", "scheduled", "deferred", "queued") else logging.WARNING
    logging.getLogger("pagerbridge.job").log(level, "job %s %s", job.func_name, status, extra=fields)


def _org_argument(job):
    """The job's org_id argument, for jobs whose function takes one."""
    if "org_id" in (job.kwargs or {}):
        return job.kwargs["org_id"]
    position = _org_position(job.func_name)
    return job.args[position] if position is not None and len(job.args or ()) > position else None


@cache
def _org_position(func_name):
    from rq.utils import import_attribute

    try:
        parameters = list(inspect.signature(import_attribute(func_name)).parameters)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    return parameters.index("org_id") if "org_id" in parameters else None
