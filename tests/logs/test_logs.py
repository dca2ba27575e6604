"""JSON log lines: one per request with its id, one per job, secrets redacted, stderr inside CLI commands."""

import json
import logging
import sys

import click
import pytest
from rq import Queue, SimpleWorker

from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.logs import JobLogging, configure_logging, redact_text
from webapp.models import WebhookSecret

PD_KEY = "0123456789abcdef0123456789abcdef"


def request_lines(caplog):
    return [record for record in caplog.records if record.name == "pagerbridge.request"]


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_one_json_line_per_request_on_stdout(client, capsys):
    response = client.get("/healthz")
    line = json_lines(capsys.readouterr().out)[-1]
    assert line["logger"] == "pagerbridge.request" and line["level"] == "INFO" and line["process"] == "web"
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["request_id"] == response.headers["X-Request-ID"]
    assert line["message"] == "GET /healthz 200" and "time" in line


def test_a_valid_incoming_request_id_is_kept_and_echoed(client, caplog):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123.def"})
    assert response.headers["X-Request-ID"] == "abc-123.def"
    assert request_lines(caplog)[-1].request_id == "abc-123.def"


@pytest.mark.parametrize("incoming", ["", "has space", "x" * 201, "new\\nline", "<script>", "a;b"])
def test_an_invalid_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    echoed = response.headers["X-Request-ID"]
    assert echoed != incoming and len(echoed) == 36


def test_the_request_line_names_the_org_of_a_signed_in_user(admin_client, org, caplog):
    admin_client.get("/")
    assert request_lines(caplog)[-1].org_id == org.id


def test_the_request_line_names_the_org_of_an_api_token(api, org, caplog):
    api.post("/reports", json={"title": "Logged"})
    line = request_lines(caplog)[-1]
    assert line.org_id == org.id and line.status == 201


def test_the_webhook_token_never_reaches_the_log(client, db, org, capsys):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    body = event_body()
    post(client, org, body, sign(body, SECRET))
    post(client, org, body, "v1=00")  # refused: the view logs a warning too
    out = capsys.readouterr().out
    assert org.model.webhook_token not in out and SECRET not in out
    paths = [line["path"] for line in json_lines(out) if line["logger"] == "pagerbridge.request"]
    assert paths == ["/webhooks/pagerduty/[redacted]"] * 2


def test_key_shaped_words_are_redacted_from_messages(capsys):
    logging.getLogger("pagerbridge.test").warning(
        "sent %s for report-12 with key %s job 6f1c2a3e-8b4d-4c5e-9f6a-7b8c9d0e1f2a", "trigger", PD_KEY
    )
    message = json_lines(capsys.readouterr().out)[-1]["message"]
    assert PD_KEY not in message and "[redacted]" in message
    assert "report-12" in message and "6f1c2a3e-8b4d-4c5e-9f6a-7b8c9d0e1f2a" in message


def test_exceptions_are_redacted_too(capsys):
    try:
        raise ValueError(f"refused {PD_KEY}")
    except ValueError:
        logging.getLogger("pagerbridge.test").exception("boom")
    line = json_lines(capsys.readouterr().out)[-1]
    assert PD_KEY not in json.dumps(line) and "ValueError" in line["exc_info"]


def test_redact_text_masks_webhook_urls_and_keeps_dedup_keys():
    text = redact_text("POST /webhooks/pagerduty/abc123 war-room-acme-2 Token token=y_abcdefghijklmnopqrstu")
    assert text == "POST /webhooks/pagerduty/[redacted] war-room-acme-2 Token token=[redacted]"


def test_logs_go_to_stderr_inside_a_cli_command():
    handler = configure_logging("web")
    assert handler.stream is sys.stdout
    with click.Context(click.Command("export")):
        assert handler.stream is sys.stderr


def test_configure_logging_is_once_per_process():
    first = configure_logging("worker")
    assert configure_logging("scheduler") is first
    assert logging.getLogger().handlers.count(first) == 1


def job_for_org(org_id, outcome="synced"):
    """A job taking an org, as the on-call sync does."""
    if outcome == "boom":
        raise RuntimeError("sync failed")
    return outcome


class LoggedWorker(JobLogging, SimpleWorker):
    """A worker with the job line, as jobs.worker.AppWorker."""


def test_one_line_per_job_with_id_function_org_outcome_and_duration(redis, caplog):
    queue = Queue("default", connection=redis)
    ok = queue.enqueue(job_for_org, 42)
    failed = queue.enqueue(job_for_org, org_id=7, outcome="boom")
    LoggedWorker([queue], connection=redis).work(burst=True)
    lines = {record.job_id: record for record in caplog.records if record.name == "pagerbridge.job"}
    assert lines[ok.id].function == "tests.logs.test_logs.job_for_org" and lines[ok.id].org_id == 42
    assert lines[ok.id].outcome == "finished" and lines[ok.id].result == "synced"
    assert lines[ok.id].duration_ms >= 0 and lines[ok.id].queue == "default"
    assert lines[failed.id].outcome == "failed" and lines[failed.id].org_id == 7
    assert lines[failed.id].levelno == logging.WARNING


def test_lines_logged_inside_a_job_carry_its_id(redis, caplog, monkeypatch):
    queue = Queue("default", connection=redis)
    job = queue.enqueue("tests.logs.test_logs.job_that_logs")
    LoggedWorker([queue], connection=redis).work(burst=True)
    inner = [record for record in caplog.records if record.getMessage() == "inside the job"]
    assert inner and inner[0].job_id == job.id


def job_that_logs():
    """Logs one line, as jobs do."""
    logging.getLogger("jobs.test").info("inside the job")
