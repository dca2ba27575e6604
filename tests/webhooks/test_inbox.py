"""The webhook inbox: receipts wait in Redis, one drain job at a time applies them, nothing is left behind."""

from rq import Queue

from tests.webhooks.test_services import setup_org
from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.models import TimelineEntry, WebhookReceipt
from webapp.webhooks import inbox


def receive(client, org, report, webhook_id):
    body = event_body("incident.acknowledged", f"report-{report.id}", agent=f"agent {webhook_id}")
    assert post(client, org, body, sign(body, SECRET), webhook_id).status_code == 202


def acknowledgements(db, report):
    return db.session.scalars(
        db.select(TimelineEntry.message).filter_by(report_id=report.id, kind="pagerduty.acknowledged")
    ).all()


def test_a_burst_queues_one_drain_job_which_applies_all(client, db, org, redis):
    report = setup_org(db, org)
    for webhook_id in ("a", "b", "c"):
        receive(client, org, report, webhook_id)
    assert redis.llen(inbox.INBOX_KEY) == 3
    assert [job.func_name for job in Queue("default", connection=redis).jobs] == ["jobs.webhooks.drain_inbox"]
    assert inbox.drain() == 3
    assert len(acknowledgements(db, report)) == 3
    assert redis.llen(inbox.INBOX_KEY) == 0 and not redis.exists(inbox.DRAINING_KEY)


def test_the_next_burst_queues_a_new_drain_job(client, db, org, redis):
    report = setup_org(db, org)
    receive(client, org, report, "a")
    inbox.drain()
    receive(client, org, report, "b")
    assert Queue("default", connection=redis).count == 2


def test_a_receipt_pushed_while_the_drainer_finishes_is_not_stranded(client, db, org, redis):
    report = setup_org(db, org)
    receive(client, org, report, "a")
    redis.set(inbox.DRAINING_KEY, 1)  # a drainer holds the flag: this push queues no job
    receive(client, org, report, "b")
    assert inbox.drain() == 2 and len(acknowledgements(db, report)) == 2


def test_an_id_applied_twice_has_one_effect(client, db, org, redis):
    report = setup_org(db, org)
    receive(client, org, report, "a")
    receipt_id = db.session.scalar(db.select(WebhookReceipt.id))
    redis.rpush(inbox.INBOX_KEY, receipt_id)
    assert inbox.drain() == 2 and len(acknowledgements(db, report)) == 1
