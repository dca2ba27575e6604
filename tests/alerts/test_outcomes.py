"""Delivered outcomes written in batches: one statement for many, each under its own lease; a late one dropped; a
crash before the batch is written resends only under the same dedup key, and a note is never batched."""

import threading
from datetime import timedelta

import pytest

from tests import factories
from tests.api.test_incidents import K8S
from tests.conftest import DEFAULT_KEY
from tests.sending import lease, lease_row, send_now
from tests.sql import recorded, updated
from webapp.alerts.claiming import claim_rows
from webapp.alerts.outcomes import Delivered, OutcomeWriter, write_batch, write_delivered
from webapp.alerts.sender import connection_facts, send_leased
from webapp.models import Delivery, Incident, Sender
from webapp.models.types import utcnow


class Crashing:
    """A writer whose process dies before its batch is written."""

    def __init__(self):
        self.handed = []

    def write(self, outcome):
        self.handed.append(outcome)
        raise RuntimeError("the sender was killed before the batch was written")


def _incident_triggers(api, db, connected, count):
    """`count` incidents through the API; returns their trigger deliveries' ids."""
    factories.default_service(connected.id, DEFAULT_KEY)
    ids = [api.post("/incidents", json={**K8S, "external_id": f"batch-{n}"}).json["id"] for n in range(count)]
    connection_facts(connected.id)  # read once per few seconds per sender, not per send
    return [db.session.scalar(db.select(Delivery.id).filter_by(dedup_key=f"incident-{i}")) for i in ids]


def test_sends_finished_together_are_written_in_one_statement(app, api, pd, connected, db, redis):
    triggers = _incident_triggers(api, db, connected, 3)
    leased = [lease_row(delivery_id) for delivery_id in triggers]
    writer = OutcomeWriter(app, window=0.5).start()  # long enough for all three to join one batch
    outcomes = {}

    def send(row, token):
        with app.app_context():
            outcomes[row.id] = send_leased(row, token, writer)
            db.session.remove()

    threads = [threading.Thread(target=send, args=pair) for pair in leased]
    with recorded(db.engine) as statements:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    writer.stop()
    assert outcomes == dict.fromkeys(triggers, ("delivered", None))
    # One lease-checked delivered write for all three (answering whether successors wait) and the mirror of the three
    # incidents with their paging; nothing read. On PostgreSQL both are one statement, in autocommit.
    if db.engine.dialect.name == "postgresql":
        [statement] = statements
        assert updated(statement) == "deliveries" and "UPDATE incidents" in statement
    else:
        assert [updated(sql) for sql in statements] == ["deliveries", "incidents"]
    db.session.expire_all()
    for delivery_id in triggers:
        row = db.session.get(Delivery, delivery_id)
        assert (row.status, row.attempts, row.lease_token, row.last_status_code) == ("delivered", 1, None, 202)
        incident = db.session.get(Incident, row.subject_id)
        assert incident.pd_status == "triggered" and incident.pd_page_seconds is not None


def test_an_outcome_whose_lease_was_lost_before_the_batch_is_dropped_alone(app, api, pd, connected, db, redis):
    triggers = _incident_triggers(api, db, connected, 2)
    leased = [lease_row(delivery_id) for delivery_id in triggers]
    writer = OutcomeWriter(app, window=0.3).start()
    outcomes = {}

    def send(row, token):
        with app.app_context():
            outcomes[row.id] = send_leased(row, token, writer)
            db.session.remove()

    threads = [threading.Thread(target=send, args=pair) for pair in leased]
    for thread in threads:
        thread.start()
    while len(writer.pending) < 2:  # both sent, their outcomes waiting for the batch
        threading.Event().wait(0.01)
    lease(triggers[0], owner="other-sender")  # meanwhile another sender took the first over
    for thread in threads:
        thread.join()
    writer.stop()
    assert outcomes == {triggers[0]: ("late", None), triggers[1]: ("delivered", None)}
    db.session.expire_all()
    late, written = (db.session.get(Delivery, delivery_id) for delivery_id in triggers)
    assert (late.status, late.lease_owner, late.attempts) == ("pending", "other-sender", 0)
    assert db.session.get(Incident, late.subject_id).pd_status is None  # its mirror was not written either
    assert written.status == "delivered"
    assert db.session.get(Incident, written.subject_id).pd_status == "triggered"


def _accepted(delivery_ids):
    """Each delivery leased, and the outcome of its accepted send."""
    outcomes = []
    for delivery_id in delivery_ids:
        row, token = lease_row(delivery_id)
        outcomes.append(
            Delivered(
                row.id,
                token,
                utcnow(),
                202,
                "ok",
                row.org_id,
                row.dedup_key,
                row.action,
                row.subject_type,
                row.subject_id,
                row.target_label,
                row.severity,
                row.created_at,
            )  # fmt: skip
        )
    return outcomes


def test_write_delivered_checks_each_rows_own_lease(api, pd, connected, db, redis):
    triggers = _incident_triggers(api, db, connected, 2)
    outcomes = _accepted(triggers)
    lease(triggers[1], owner="other-sender")
    assert write_delivered(outcomes) == {triggers[0]}


def test_a_batch_is_one_statement_checking_each_rows_own_lease(api, pd, connected, db, redis):
    triggers = _incident_triggers(api, db, connected, 2)
    outcomes = _accepted(triggers)
    lease(triggers[1], owner="other-sender")
    with recorded(db.engine) as statements:
        assert write_batch(outcomes) == {triggers[0]}
    assert len(statements) == (1 if db.engine.dialect.name == "postgresql" else 2)
    db.session.expire_all()
    late = db.session.get(Delivery, triggers[1])
    assert (late.status, late.lease_owner) == ("pending", "other-sender")
    assert db.session.get(Incident, late.subject_id).pd_status is None  # the mirror only of the rows written
    assert db.session.get(Incident, db.session.get(Delivery, triggers[0]).subject_id).pd_status == "triggered"


def test_a_batch_with_one_subject_under_two_kinds_writes_both_in_order(api, pd, connected, db, redis):
    [trigger] = _incident_triggers(api, db, connected, 1)
    incident_id = db.session.get(Delivery, trigger).subject_id
    api.patch(f"/incidents/{incident_id}", json={"status": "resolved"})
    resolve = db.session.scalar(db.select(Delivery.id).filter_by(subject_id=incident_id, action="resolve"))
    with recorded(db.engine) as statements:
        assert write_batch(_accepted([trigger, resolve])) == {trigger, resolve}
    assert [updated(sql) for sql in statements if sql.startswith("UPDATE")][-3:] == [
        "deliveries",
        "incidents",
        "incidents",
    ]  # one statement cannot update the incident twice: the transaction of statements instead
    db.session.expire_all()
    assert db.session.get(Incident, incident_id).pd_status == "resolved"


def test_a_crash_before_the_batch_is_written_resends_only_under_the_same_dedup_key(api, pd, connected, db, redis):
    [trigger] = _incident_triggers(api, db, connected, 1)
    crashing = Crashing()
    with pytest.raises(RuntimeError):
        send_now(trigger, writer=crashing)
    dedup_key = db.session.get(Delivery, trigger).dedup_key
    assert len(pd.state.received_events(dedup_key=dedup_key)) == 1
    # The killed sender's lease stands until it is seen dead; then a claim takes the row and sends it again.
    db.session.expire_all()
    assert db.session.get(Delivery, trigger).status == "pending"
    long_ago = utcnow() - timedelta(seconds=60)
    db.session.add(Sender(name="test-sender", host="h", pid=1, in_flight=1, started_at=long_ago, seen_at=long_ago))
    db.session.commit()
    [(row, token)] = claim_rows(5, 5, "another")
    assert row.id == trigger
    assert send_leased(row, token) == ("delivered", None)
    events = pd.state.received_events(dedup_key=dedup_key)
    assert len(events) == 2 and {event["dedup_key"] for event in events} == {dedup_key}
    assert len([i for i in pd.state.incidents.values() if i["incident_key"] == dedup_key]) == 1  # merged


def test_a_note_is_never_batched(api, pd, connected, db, redis):
    factories.default_service(connected.id, DEFAULT_KEY)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    assert send_now(db.session.scalar(db.select(Delivery.id).filter_by(action="trigger"))) == "delivered"
    api.patch(f"/incidents/{incident_id}", json={"root_cause": "Memory leak"})
    note_id = db.session.scalar(db.select(Delivery.id).filter_by(action="note"))
    crashing = Crashing()
    assert send_now(note_id, writer=crashing) == "delivered"  # written on its own, durably
    assert crashing.handed == [] and len(pd.state.notes) == 1
    assert db.session.get(Delivery, note_id).status == "delivered"
