"""Every change writes one audit entry with the real actor, whichever path makes it; details read as text."""

from rq import Queue, SimpleWorker

from webapp.audit.display import describe
from webapp.extensions import db
from webapp.models import AuditEntry, Service


def _entries(org_id, action):
    db.session.expire_all()
    return db.session.scalars(db.select(AuditEntry).filter_by(org_id=org_id, action=action)).all()


def test_repair_routes_is_attributed_to_the_person_who_clicked(app, connected, redis, pd_account):
    client = _admin(app, connected)
    assert client.post("/settings/pagerduty/health/repair").status_code == 200
    queue = Queue("default", connection=redis)
    [job] = queue.jobs
    assert job.meta["actor"] == connected.admin_email
    SimpleWorker([queue], connection=redis).work(burst=True)
    [entry] = _entries(connected.id, "pagerduty.routes_restored")
    assert entry.actor == connected.admin_email


def test_an_import_that_changes_the_default_service_is_audited(admin_client, connected):
    from tests.conftest import DEFAULT_KEY

    db.session.add(
        Service(org_id=connected.id, pd_id="PPLAT01", name="Platform", enabled=True, integration_key=DEFAULT_KEY)
    )
    db.session.commit()
    document = '{"routing": {"default_service": "PPLAT01"}}'
    response = admin_client.post("/settings/transfer/apply", data={"document": document})
    assert response.status_code == 302
    [entry] = _entries(connected.id, "routing.imported")
    assert entry.actor == connected.admin_email
    assert entry.detail["default_service"]["to"] == "PPLAT01"
    table = admin_client.get("/settings/audit/").get_data(as_text=True).split('id="audit-table"')[1]
    assert "Default service:" in table and "→ Platform" in table
    assert "{&#34;" not in table and '{"' not in table  # no raw JSON


def test_details_read_as_sentences():
    names = {"PPAY001": "Payments"}
    assert describe({"enabled": {"from": False, "to": True}}) == ["Enabled: off → on"]
    assert describe({"service": "PPAY001", "name": "Payments"}, names) == ["Service: Payments", "Name: Payments"]
    assert describe({"default_service": {"from": None, "to": "PPAY001"}}, names) == ["Default service: none → Payments"]
    assert describe({}) == []


def _admin(app, org):
    from tests.conftest import login

    return login(app, org.admin_email, {"HTTP_HX_REQUEST": "true"})
