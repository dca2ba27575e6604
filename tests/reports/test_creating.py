"""The Core create path of the API's reports (webapp/reports/creating.py) writes the rows and answers what the ORM
path (`services.create_report`, which the pages take) does, in every routing, on-call and rule case; on SQLite and on
PostgreSQL (TEST_DATABASE_URL)."""

import json
from datetime import timedelta

import pytest

from tests.conftest import DEFAULT_KEY
from tests.incidents.test_creating import _connect, _service, _settings

VDP_KEY = "c" * 31 + "3"
FIELDS = {"title": " SQL injection ", "description": "In the search box.", "severity": "high"}


def orm_create(org_id, fields, actor):
    """The ORM path, the reference: what the pages write, answered as the API answered before."""
    from webapp.reports.services import create_report, report_json
    from webapp.unit_of_work import kept_loaded

    with kept_loaded():
        report = create_report(org_id, actor=actor, **fields)
        return report.id, report_json(report)


def core_create(org_id, fields, actor):
    from webapp.reports.services import create_answer

    answer = create_answer(org_id, fields, actor)
    return answer["id"], answer


def api_create(api, fields):
    """Through the API: what the new report needs is read with the token."""
    response = api.post("/reports", json={**fields, "title": fields["title"].strip()})
    assert response.status_code == 201, response.json
    return response.json["id"], response.json


def vdp_service(org_id):
    _connect(org_id)
    _service(org_id, "Security", VDP_KEY, enabled=True, is_vdp=True)
    _service(org_id, "Default", DEFAULT_KEY, enabled=True, is_default=True)


def broken_vdp_service_to_default(org_id):
    from webapp.models.types import utcnow

    _connect(org_id)
    _service(org_id, "Security", VDP_KEY, enabled=True, is_vdp=True, broken_at=utcnow())
    _service(org_id, "Default", DEFAULT_KEY, enabled=True, is_default=True)


def default_only(org_id):
    _connect(org_id)
    _service(org_id, "Default", DEFAULT_KEY, enabled=True, is_default=True)


def connect_time_key(org_id):
    _connect(org_id, integration_key=VDP_KEY, service_name="Security")


def nothing_routes(org_id):
    _connect(org_id)


def paused(org_id):
    _connect(org_id, state="error")
    _service(org_id, "Security", VDP_KEY, enabled=True, is_vdp=True)


def disconnected(org_id):
    _connect(org_id, state="disconnected")


def not_connected(org_id):
    pass


def routing_key_method(org_id):
    _connect(org_id, method="routing_key", routing_key=VDP_KEY, service_name="Legacy")


def rule_off(org_id):
    vdp_service(org_id)
    _settings(org_id, alert_rules={"new_report": {"enabled": False}})


def sensitive_details_and_mapped_severity(org_id):
    vdp_service(org_id)
    _settings(org_id, include_sensitive_details=True, alert_rules={"new_report": {"severity": "critical"}})


def someone_on_call(org_id):
    from webapp.extensions import db
    from webapp.models import Shift, User

    vdp_service(org_id)
    user = db.session.scalar(db.select(User).filter_by(org_id=org_id).order_by(User.id))
    db.session.add(Shift(org_id=org_id, user_id=user.id, source="pagerduty"))


def manual_pick_run_out(org_id):
    from webapp.extensions import db
    from webapp.models import Shift, User
    from webapp.models.types import utcnow

    vdp_service(org_id)
    user = db.session.scalar(db.select(User).filter_by(org_id=org_id).order_by(User.id))
    db.session.add(Shift(org_id=org_id, user_id=user.id, source="manual", ends_at=utcnow() - timedelta(hours=1)))


SETUPS = [
    vdp_service,
    broken_vdp_service_to_default,
    default_only,
    connect_time_key,
    nothing_routes,
    paused,
    disconnected,
    not_connected,
    routing_key_method,
    rule_off,
    sensitive_details_and_mapped_severity,
    someone_on_call,
    manual_pick_run_out,
]


def _written(db, report_id):
    """The rows one create wrote, without what differs between two creates (ids, times, the id in the payload)."""
    from webapp.models import Delivery, Report, TimelineEntry

    db.session.expire_all()
    report = db.session.get(Report, report_id)
    skip = {"id", "submitted_at", "sla_deadline", "updated_at", "created_at", "next_attempt_at", "subject_id"}
    deliveries = db.session.scalars(db.select(Delivery).filter_by(subject_type="report", subject_id=report_id)).all()
    lines = db.session.scalars(db.select(TimelineEntry).filter_by(report_id=report_id).order_by("id")).all()
    return {
        "report": {c.key: getattr(report, c.key) for c in Report.__table__.c if c.key not in skip},
        "deadline": report.sla_deadline - report.submitted_at,
        "deliveries": [
            {
                **{c.key: getattr(d, c.key) for c in Delivery.__table__.c if c.key not in skip | {"dedup_key"}},
                "payload": _without_id(d.payload, report_id),
                "due": d.next_attempt_at is not None,
                "dedup_key": d.dedup_key == f"report-{report_id}",
            }
            for d in deliveries
        ],
        "timeline": [(line.kind, line.message, line.actor, line.org_id) for line in lines],
    }


def _without_id(payload, report_id):
    """The payload with the report's id and deadline (a time) left out."""
    payload = json.loads(json.dumps(payload))
    payload["payload"]["custom_details"].pop("sla_deadline")
    text = json.dumps(payload, sort_keys=True)
    named_by_id = (f'"report_id": {report_id}', f"/reports/{report_id}", f"#{report_id})", f"#{report_id} ")
    for named in named_by_id:
        text = text.replace(named, named.replace(str(report_id), "ID"))
    return text


def _answer(answer, report_id):
    skip = ("id", "submitted_at", "sla_deadline")
    return {
        **{name: value for name, value in answer.items() if name not in skip},
        "timeline": [(line["kind"], line["message"]) for line in answer["timeline"]],
    } | {"same_id": answer["id"] == report_id}


@pytest.mark.parametrize("setup", SETUPS, ids=[setup.__name__ for setup in SETUPS])
def test_the_core_path_writes_and_answers_what_the_orm_path_did(db, org, setup):
    setup(org.id)
    db.session.commit()
    old_id, old_answer = orm_create(org.id, {**FIELDS, "researcher_email": " Finder@Example.org "}, "api")
    new_id, new_answer = core_create(org.id, {**FIELDS, "researcher_email": " Finder@Example.org "}, "api")
    assert _written(db, new_id) == _written(db, old_id)
    assert _answer(new_answer, new_id) == _answer(old_answer, old_id)


@pytest.mark.parametrize("setup", SETUPS, ids=[setup.__name__ for setup in SETUPS])
def test_the_api_with_its_read_along_writes_and_answers_what_the_orm_path_did(api, db, org, setup):
    fields = {**FIELDS, "title": "SQL injection", "researcher_email": "finder@example.org"}
    setup(org.id)
    db.session.commit()
    old_id, old_answer = orm_create(org.id, fields, "api")
    new_id, new_answer = api_create(api, fields)
    assert _written(db, new_id) == _written(db, old_id)
    assert _answer(new_answer, new_id) == _answer(old_answer, old_id)


def test_a_report_due_for_an_sla_alert_at_once_takes_the_orm_path(db, org):
    """A policy that leaves no time: the evaluator fires at creation, as the pages' path does."""
    from webapp.models import Report

    vdp_service(org.id)
    _settings(org.id, sla_policy={"at_risk_hours": 10_000})
    db.session.commit()
    report_id, answer = core_create(org.id, dict(FIELDS), "api")
    assert answer["sla_state"] == "at_risk"
    assert db.session.get(Report, report_id).sla_at_risk_fired_at is not None


def test_an_unknown_severity_is_refused_before_anything_is_written(db, org):
    from webapp.errors import DomainError
    from webapp.models import Report

    with pytest.raises(DomainError):
        core_create(org.id, {**FIELDS, "severity": "urgent"}, "api")
    assert db.session.scalar(db.select(db.func.count(Report.id))) == 0


def test_the_201_is_what_reading_the_report_answers(api, db, org):
    vdp_service(org.id)
    db.session.commit()
    created = api.post("/reports", json={"title": "IDOR", "severity": "critical", "researcher_email": "a@b.org"})
    assert created.status_code == 201
    read = api.get(f"/reports/{created.json['id']}")
    assert created.json == read.json
