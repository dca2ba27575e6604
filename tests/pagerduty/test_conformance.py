"""What PagerBridge sends to PagerDuty, and how it reads the answers, checked against PagerDuty's OpenAPI files.

requests_mock stands in for PagerDuty at its real hosts (no host override, so the region picks them); every captured
request is validated with openapi-core (parameters, required headers such as `From`, body), its query string may only
use parameters the operation defines, and every mocked answer is itself validated as PagerDuty's answer.
"""

import json
from datetime import UTC
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from tests.api.test_incidents import K8S
from webapp.models import Delivery, JobRun, OnCallSettings, Report, Service

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "pagerduty"
if not SPECS.exists():
    SPECS = Path(__file__).resolve().parents[3] / "shared" / "pagerduty"
pytestmark = pytest.mark.skipif(not SPECS.exists(), reason="shared/pagerduty not beside the repo")
API, EVENTS, WEB = "https://api.pagerduty.com", "https://events.pagerduty.com", "https://acme.pagerduty.com"
REST_FILE, EVENTS_FILE = "rest-openapiv3.json", "events-v2-openapiv3.json"
TOKEN, OWNER = "y_NbAkKc66ryYTWUXYEu", "owner@example.com"
VDP_KEY, PLATFORM_KEY = "c" * 31 + "3", "d" * 31 + "4"


@cache
def spec_dict(name):
    spec = json.loads((SPECS / name).read_text())
    if name == REST_FILE:
        # Every object's shared base marks `type` read-only, yet Integration requires it in a request body (PagerDuty's
        # own request examples send it): drop that one flag so a create-integration request is judged as PagerDuty does.
        spec["components"]["schemas"]["Tag"]["allOf"][0]["properties"]["type"].pop("readOnly", None)
    return spec


@cache
def openapi(name):
    from openapi_core import Config, OpenAPI

    # As in tests/sandbox: the REST file has a few schema defaults of the wrong type; validate traffic, not the file.
    return OpenAPI.from_dict(spec_dict(name), config=Config(spec_validator_cls=None))


def declared_query(name, method, path):
    """Query parameter names the operation defines (a literal path wins over a templated one)."""
    spec = spec_dict(name)
    same = [
        t
        for t in spec["paths"]
        if len(t.split("/")) == len(path.split("/"))
        and all(a == b or a.startswith("{") for a, b in zip(t.split("/"), path.split("/"), strict=False))
    ]
    assert same, f"{method} {path} is no operation of {name}"
    item = spec["paths"][min(same, key=lambda t: t.count("{"))]
    assert method.lower() in item, f"{method} {path} is no operation of {name}"
    parameters = [
        spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in item.get("parameters", []) + item[method.lower()].get("parameters", [])
    ]
    return {p["name"] for p in parameters if p["in"] == "query"}


def check_exchange(request, status, body):
    """The request is as the file prescribes and the mocked answer is shaped as PagerDuty's."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest
    from openapi_core.testing import MockResponse

    url = urlsplit(request.url)
    name = EVENTS_FILE if url.hostname.startswith("events.") else REST_FILE
    path = url.path[len("/v2") :] if name == EVENTS_FILE else url.path
    unknown = {key for key, _ in parse_qsl(url.query)} - declared_query(name, request.method, path)
    assert not unknown, f"{request.method} {url.path}: parameters PagerDuty does not define: {unknown}"
    prepared = request._request.copy()
    prepared.url = (EVENTS if name == EVENTS_FILE else API) + request.url.split(url.netloc, 1)[1]
    openapi(name).validate_request(RequestsOpenAPIRequest(prepared))
    if body is not None:
        openapi(name).validate_response(
            RequestsOpenAPIRequest(prepared), MockResponse(json.dumps(body).encode(), status_code=status)
        )
    if name == REST_FILE:
        assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
        assert request.headers["Authorization"] == f"Token token={TOKEN}"
    else:
        assert "Authorization" not in request.headers and request.headers["Content-Type"] == "application/json"


class PagerDuty:
    """Answers per method and path (any query string); `verify()` checks each exchange against the files."""

    def __init__(self, mocker):
        self.mocker, self.exchanges = mocker, []

    def answer(self, method, path, body, status=200, host=API, documented=True):
        """`documented=False`: PagerDuty's real answer holds more than the file describes (left unchecked)."""

        def reply(request, context):
            context.status_code = status
            data = body(request) if callable(body) else body
            self.exchanges.append((request, status, data if documented else None))
            return data

        self.mocker.register_uri(method, host + path, json=reply)

    def calls(self, method, path, host=API):
        return [r for r, _, _ in self.exchanges if r.method == method and r.url.split("?")[0] == host + path]

    def verify(self):
        assert self.exchanges, "PagerBridge sent nothing"
        for exchange in self.exchanges:
            check_exchange(*exchange)
        return len(self.exchanges)


def query(request):
    return parse_qs(urlsplit(request.url).query)


def ref(kind, pd_id, path):
    return {
        "id": pd_id,
        "type": f"{kind}_reference",
        "summary": pd_id,
        "self": f"{API}/{path}/{pd_id}",
        "html_url": f"{WEB}/{path}/{pd_id}",
    }


def user(pd_id, email, name="Owner"):
    return {
        "id": pd_id,
        "type": "user",
        "summary": name,
        "name": name,
        "email": email,
        "time_zone": "Etc/UTC",
        "role": "admin",
        "self": f"{API}/users/{pd_id}",
        "html_url": f"{WEB}/users/{pd_id}",
    }


def service(pd_id, name, integrations=()):
    return {
        "id": pd_id,
        "type": "service",
        "summary": name,
        "name": name,
        "description": f"{name} service",
        "status": "active",
        "self": f"{API}/services/{pd_id}",
        "html_url": f"{WEB}/service-directory/{pd_id}",
        "escalation_policy": ref("escalation_policy", "PESC001", "escalation_policies"),
        "teams": [],
        "alert_creation": "create_alerts_and_incidents",
        "integrations": list(integrations),
    }


def integration(pd_id, service_id, key, kind="events_api_v2_inbound_integration"):
    return {
        "id": pd_id,
        "type": kind,
        "summary": "PagerBridge",
        "name": "PagerBridge",
        "integration_key": key,
        "self": f"{API}/services/{service_id}/integrations/{pd_id}",
        "created_at": "2026-01-05T10:00:00Z",
        "service": ref("service", service_id, "services"),
    }


def incident(pd_id, key):
    return {
        "id": pd_id,
        "type": "incident",
        "summary": "[#7] x",
        "title": "x",
        "incident_number": 7,
        "status": "triggered",
        "urgency": "high",
        "incident_key": key,
        "created_at": "2026-01-05T10:00:00Z",
        "self": f"{API}/incidents/{pd_id}",
        "html_url": f"{WEB}/incidents/{pd_id}",
        "service": ref("service", "PPLAT01", "services"),
        "assignments": [],
        "acknowledgements": [],
        "escalation_policy": ref("escalation_policy", "PESC001", "escalation_policies"),
    }


def accepted(request):
    return {"status": "success", "message": "Event processed", "dedup_key": request.json()["dedup_key"]}


def page(collection, items, offset=0, more=False, total=None):
    return {collection: items, "limit": 100, "offset": offset, "more": more, "total": total}


@pytest.fixture()
def pd(app):
    """requests_mock in PagerDuty's place, at the hosts the region picks (no PAGERDUTY_*_URL override)."""
    import requests_mock

    saved = {key: app.config.get(key) for key in ("PAGERDUTY_API_URL", "PAGERDUTY_EVENTS_URL")}
    app.config.update(PAGERDUTY_API_URL=None, PAGERDUTY_EVENTS_URL=None)
    with requests_mock.Mocker() as mocker:
        yield PagerDuty(mocker)
    app.config.update(saved)


@pytest.fixture()
def linked(org, pd):
    """The org connected with a user token (validated by GET /users/me) and a VDP integration key."""
    from webapp.connection.services import connect_api_token

    pd.answer("GET", "/users/me", {"user": user("PXPGF42", OWNER)})
    connect_api_token(org.id, TOKEN, VDP_KEY, region="us")
    return org


@pytest.fixture()
def platform(db, linked):
    """An enabled default service, so runtime incidents have a route."""
    from tests import factories

    return factories.default_service(linked.id, PLATFORM_KEY)


def send(db, **filters):
    """Send the newest delivery matching filters the way a worker does (its pacing slot already reserved)."""
    from tests.sending import send_now

    delivery = db.session.scalars(db.select(Delivery).filter_by(**filters).order_by(Delivery.id.desc())).first()
    assert send_now(delivery.id) == "delivered"
    return delivery


def test_token_validation_reads_users_me_then_falls_back_for_account_tokens(db, org, pd, linked):
    from webapp.pagerduty.accounts import connection_for, validate_api_token

    assert connection_for(linked.id).account_email == OWNER and len(pd.calls("GET", "/users/me")) == 1
    pd.answer(
        "GET",
        "/users/me",
        {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["Requires a user-level API token"]}},
        status=400,
    )
    pd.answer("GET", "/abilities", {"abilities": ["teams", "urgencies"]})
    pd.answer("GET", "/users", page("users", [user("PADMIN1", "admin@example.com", "Admin")]))
    assert validate_api_token(TOKEN, "us") == ("admin@example.com", "Account token")
    assert query(pd.calls("GET", "/users")[0])["limit"] == ["1"]
    assert pd.verify() == 4


def test_trigger_and_resolve_events(db, api, pd, platform):
    pd.answer("POST", "/v2/enqueue", accepted, status=202, host=EVENTS)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    send(db, action="trigger")
    api.patch(f"/incidents/{incident_id}", json={"status": "resolved"})
    send(db, action="resolve")
    trigger, resolve = [r.json() for r in pd.calls("POST", "/v2/enqueue", EVENTS)]
    assert trigger["routing_key"] == resolve["routing_key"] == PLATFORM_KEY
    assert trigger["event_action"] == "trigger" and trigger["dedup_key"] == f"incident-{incident_id}"
    assert trigger["payload"]["severity"] == "error" and len(trigger["payload"]["summary"]) <= 1024
    assert resolve == {"routing_key": PLATFORM_KEY, "event_action": "resolve", "dedup_key": f"incident-{incident_id}"}
    assert pd.verify() == 3


def test_report_trigger_then_acknowledge_shaped_event(db, api, pd, linked):
    from webapp.alerts.outbox import queue_event
    from webapp.routing.resolve import Route

    pd.answer("POST", "/v2/enqueue", accepted, status=202, host=EVENTS)
    report_id = api.post("/reports", json={"title": "IDOR", "description": "secret PoC"}).json["id"]
    send(db, action="trigger")
    queue_event(
        linked.id,
        action="acknowledge",
        event_type="ack",
        dedup_key=f"report-{report_id}",
        subject=db.session.get(Report, report_id),
        route=Route(VDP_KEY, "VDP", "test", None),
    )
    db.session.commit()
    send(db, action="acknowledge")
    trigger, ack = [r.json() for r in pd.calls("POST", "/v2/enqueue", EVENTS)]
    assert trigger["routing_key"] == VDP_KEY and "description" not in trigger["payload"]["custom_details"]
    assert ack == {"routing_key": VDP_KEY, "event_action": "acknowledge", "dedup_key": f"report-{report_id}"}
    assert pd.verify() == 3


def test_test_connection_triggers_then_resolves_with_one_key(db, pd, linked):
    from webapp.connection.probe import run_test

    pd.answer("POST", "/v2/enqueue", accepted, status=202, host=EVENTS)
    run = JobRun(org_id=linked.id, kind="test_connection", status="queued", total=2)
    db.session.add(run)
    db.session.commit()
    assert run_test(linked.id, run.id).startswith("Test event triggered and resolved")
    trigger, resolve = [r.json() for r in pd.calls("POST", "/v2/enqueue", EVENTS)]
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["routing_key"] == resolve["routing_key"] == VDP_KEY
    assert trigger["dedup_key"] == resolve["dedup_key"] and set(resolve) == {"routing_key", "event_action", "dedup_key"}
    assert pd.verify() == 3


def test_progress_note_finds_the_incident_and_sends_from(db, api, pd, platform):
    pd.answer("POST", "/v2/enqueue", accepted, status=202, host=EVENTS)
    incident_id = api.post("/incidents", json=K8S).json["id"]
    send(db, action="trigger")
    key = f"incident-{incident_id}"
    pd.answer("GET", "/incidents", page("incidents", [incident("PINC001", key)]))
    pd.answer(
        "POST",
        "/incidents/PINC001/notes",
        {
            "note": {
                "id": "PNOTE01",
                "content": "x",
                "created_at": "2026-01-05T10:00:00Z",
                "user": ref("user", "PXPGF42", "users"),
                "channel": {"summary": "The PagerDuty API"},
            }
        },
    )
    api.patch(f"/incidents/{incident_id}", json={"status": "investigating", "root_cause": "Memory leak"})
    send(db, action="note")
    assert query(pd.calls("GET", "/incidents")[0]) == {  # however old, newest first
        "incident_key": [key],
        "date_range": ["all"],
        "sort_by": ["created_at:desc"],
        "limit": ["1"],
    }
    assert db.session.scalar(db.select(Delivery.last_status_code).filter_by(action="note")) == 200
    note = pd.calls("POST", "/incidents/PINC001/notes")[0]
    assert note.headers["From"] == OWNER and "Memory leak" in note.json()["note"]["content"]
    assert set(note.json()) == {"note"} and set(note.json()["note"]) == {"content"}
    assert pd.verify() == 4


def test_sync_services_reads_every_page(db, pd, linked):
    from webapp.routing.sync import run_sync

    services = [service(f"PS{n:05}", f"Team {n:03}") for n in range(130)]
    pd.answer(
        "GET",
        "/services",
        lambda r: page(
            "services",
            services[int(query(r)["offset"][0]) :][:100],
            int(query(r)["offset"][0]),
            int(query(r)["offset"][0]) < 30,
            130,
        ),
    )
    assert "Synced 130 services" in run_sync(linked.id)
    pages = [query(r) for r in pd.calls("GET", "/services")]
    assert [(p["offset"], p["limit"]) for p in pages] == [(["0"], ["100"]), (["100"], ["100"])]
    last = db.session.scalar(db.select(Service).filter_by(pd_id="PS00129"))
    assert last.html_url == f"{WEB}/service-directory/PS00129" and last.pd_status == "active"
    assert pd.verify() == 3


def test_enabling_a_service_reuses_or_creates_its_events_v2_integration(db, pd, linked):
    from webapp.routing.services import configure_service

    db.session.add_all(
        [Service(org_id=linked.id, pd_id="PHAS001", name="Has"), Service(org_id=linked.id, pd_id="PNEW001", name="New")]
    )
    db.session.commit()
    # With include[]=integrations PagerDuty embeds full integration objects (key included), which the file omits.
    pd.answer(
        "GET",
        "/services/PHAS001",
        {
            "service": service(
                "PHAS001",
                "Has",
                [
                    integration("PI00001", "PHAS001", "e" * 32, "generic_email_inbound_integration"),
                    integration("PI00002", "PHAS001", PLATFORM_KEY),
                ],
            )
        },
        documented=False,
    )
    pd.answer("GET", "/services/PNEW001", {"service": service("PNEW001", "New", [])})
    pd.answer(
        "POST",
        "/services/PNEW001/integrations",
        {"integration": integration("PI00003", "PNEW001", VDP_KEY)},
        status=201,
    )
    has = configure_service(linked.id, db.session.scalar(db.select(Service.id).filter_by(pd_id="PHAS001")))
    new = configure_service(linked.id, db.session.scalar(db.select(Service.id).filter_by(pd_id="PNEW001")))
    assert (has.integration_id, has.integration_key) == ("PI00002", PLATFORM_KEY)
    assert (new.integration_id, new.integration_key) == ("PI00003", VDP_KEY)
    assert all(query(r)["include[]"] == ["integrations"] for r in pd.calls("GET", "/services/PHAS001"))
    created = pd.calls("POST", "/services/PNEW001/integrations")[0].json()
    assert created["integration"]["type"] == "events_api_v2_inbound_integration"
    assert len(pd.calls("POST", "/services/PHAS001/integrations")) == 0
    assert pd.verify() == 4


def answer_one_classic_schedule(pd):
    pd.answer(
        "GET",
        "/schedules",
        page(
            "schedules",
            [
                {
                    "id": "PCLASS1",
                    "type": "schedule",
                    "summary": "Primary",
                    "name": "Primary",
                    "time_zone": "Etc/UTC",
                    "self": f"{API}/schedules/PCLASS1",
                    "html_url": f"{WEB}/schedules/PCLASS1",
                    "schedule_layers": [],
                    "users": [],
                    "escalation_policies": [],
                    "teams": [],
                }
            ],
        ),
    )


def test_schedules_list_classic_and_shift_based(db, pd, linked):
    from webapp.oncall.pagerduty_api import list_schedules
    from webapp.pagerduty.accounts import credentials_for

    answer_one_classic_schedule(pd)
    pd.answer(
        "GET",
        "/v3/schedules",
        page(
            "schedules",
            [
                {
                    "id": "PSHIFT1",
                    "type": "schedule_v3_reference",
                    "summary": "Follow the sun",
                    "self": f"{API}/v3/schedules/PSHIFT1",
                    "html_url": f"{WEB}/schedules/PSHIFT1",
                }
            ],
        ),
    )
    assert list_schedules(credentials_for(linked.id)) == [("PSHIFT1", "Follow the sun"), ("PCLASS1", "Primary")]
    assert pd.verify() == 3


def test_schedules_list_keeps_classic_ones_when_v3_is_forbidden(db, pd, linked):
    from webapp.oncall.pagerduty_api import list_schedules
    from webapp.pagerduty.accounts import credentials_for

    answer_one_classic_schedule(pd)
    pd.answer("GET", "/v3/schedules", {"error": {"message": "Access Denied", "code": 2010}}, status=403)
    assert list_schedules(credentials_for(linked.id)) == [("PCLASS1", "Primary")]
    assert pd.verify() == 3


def oncall(pd_id, email, start, end):
    """An on-call entry; include[]=users adds the user's fields to the user reference the file describes."""
    return {
        "escalation_level": 1,
        "start": start,
        "end": end,
        "user": {**user(pd_id, email, "Admin"), "type": "user_reference"},
        "schedule": ref("schedule", "PCLASS1", "schedules"),
        "escalation_policy": ref("escalation_policy", "PESC001", "escalation_policies"),
    }


def test_oncall_sync_reads_oncalls_of_the_schedule(db, pd, linked):
    from datetime import datetime

    from webapp.oncall import services
    from webapp.oncall.sync import sync_oncall

    services.set_mode(linked.id, "pagerduty", "PCLASS1", "Primary")
    pd.answer(
        "GET",
        "/oncalls",
        page(
            "oncalls",
            [oncall("PADMIN1", linked.admin_email.upper(), "2026-01-05T09:00:00-05:00", "2026-01-05T21:00:00-05:00")],
        ),
    )
    now = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    assert sync_oncall(linked.id, now).startswith(f"{linked.admin_email} now on call")
    sent = query(pd.calls("GET", "/oncalls")[0])
    assert sent["schedule_ids[]"] == ["PCLASS1"] and sent["include[]"] == ["users"]
    assert datetime.fromisoformat(sent["since"][0]) == now and sent["limit"] == ["100"]
    assert db.session.get(OnCallSettings, linked.id).last_sync_error is None
    assert pd.verify() == 2


def assignment(start_hour, end_hour, user_id=None):
    """One computed shift of a v3 final schedule on 2026-01-05 (an empty slot without a user)."""
    member = {"type": "user_member", "user_id": user_id} if user_id else {"type": "empty_member"}
    return {
        "type": "computed_shift_assignment",
        "start_time": f"2026-01-05T{start_hour}:00:00Z",
        "end_time": f"2026-01-05T{end_hour}:00:00Z",
        "member": member,
        "source": {"type": "schedule_rotation"},
    }


def test_oncall_sync_of_a_shift_based_schedule_reads_its_final_schedule(db, pd, linked):
    from datetime import datetime

    from webapp.oncall import services
    from webapp.oncall.sync import sync_oncall

    services.set_mode(linked.id, "pagerduty", "PSHIFT1", "Follow the sun")
    pd.answer("GET", "/oncalls", page("oncalls", []))
    pd.answer(
        "GET",
        "/v3/schedules/PSHIFT1",
        {
            "schedule": {
                "id": "PSHIFT1",
                "type": "schedule_v3",
                "name": "Follow the sun",
                "time_zone": "Etc/UTC",
                "final_schedule": {
                    "type": "final_schedule",
                    "rendered_coverage_percentage": 100,
                    "computed_shift_assignments": [assignment("08", "16", "PMEMBER"), assignment("16", "23")],
                },
            }
        },
    )
    pd.answer("GET", "/users/PMEMBER", {"user": user("PMEMBER", linked.member_email, "Member")})
    now = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    assert sync_oncall(linked.id, now).startswith(f"{linked.member_email} now on call")
    sent = query(pd.calls("GET", "/v3/schedules/PSHIFT1")[0])
    assert sent["include[]"] == ["final_schedule"] and datetime.fromisoformat(sent["since"][0]) == now
    assert datetime.fromisoformat(sent["until"][0]) > now
    assert pd.verify() == 4


def test_webhook_subscription_is_created_and_its_secret_kept(db, pd, linked):
    from webapp.models import WebhookSecret
    from webapp.webhooks.setup import create_subscription, webhook_url

    pd.answer(
        "POST",
        "/webhook_subscriptions",
        lambda r: {
            "webhook_subscription": {
                **r.json()["webhook_subscription"],
                "id": "PSUB001",
                "active": True,
                "delivery_method": {
                    **r.json()["webhook_subscription"]["delivery_method"],
                    "id": "PDM0001",
                    "secret": "whsec-from-pagerduty",
                    "temporarily_disabled": False,
                },
            }
        },
    )
    pd.answer("GET", "/webhook_subscriptions", {"webhook_subscriptions": [], "limit": 100, "offset": 0, "more": False})
    create_subscription(linked.id)
    assert query(pd.calls("GET", "/webhook_subscriptions")[0])["limit"] == ["100"]
    body = pd.calls("POST", "/webhook_subscriptions")[0].json()["webhook_subscription"]
    assert body["delivery_method"] == {"type": "http_delivery_method", "url": webhook_url(linked.model)}
    assert body["filter"] == {"type": "account_reference"} and body["type"] == "webhook_subscription"
    assert {"incident.acknowledged", "incident.resolved"} <= set(body["events"])
    assert db.session.scalar(db.select(WebhookSecret.secret).filter_by(source="pagerduty")) == "whsec-from-pagerduty"
    assert pd.verify() == 4  # the list for this URL, the create, and the list again for subscriptions to old URLs


def v3_webhook(event_type, pd_incident, incident_key):
    """A v3 webhook body as PagerDuty's webhook documentation shows it."""
    return {
        "event": {
            "id": "01DEN7MXZ6BNBK8P2ZNQ6GZ6GK",
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-01-05T10:05:00.123Z",
            "agent": {
                "id": "PXPGF42",
                "type": "user_reference",
                "summary": "Earline Greenholt",
                "self": f"{API}/users/PXPGF42",
                "html_url": f"{WEB}/users/PXPGF42",
            },
            "client": {"name": "PagerDuty"},
            "data": {
                **{k: v for k, v in incident(pd_incident, incident_key).items() if k not in ("summary",)},
                "number": 7,
                "assignees": [],
                "teams": [],
                "priority": None,
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


def test_webhook_for_a_grouped_incident_reads_its_alerts(db, api, pd, linked):
    from webapp.webhooks.credentials import add_signing_secret
    from webapp.webhooks.services import accept, apply_receipt
    from webapp.webhooks.signatures import expected_signature

    report_id = api.post("/reports", json={"title": "IDOR"}).json["id"]
    add_signing_secret(linked.id, "whsec-one")
    db.session.commit()
    pd.answer(
        "GET",
        "/incidents/PGROUP1/alerts",
        page(
            "alerts",
            [
                {
                    "id": "PALERT1",
                    "type": "alert",
                    "summary": "IDOR",
                    "status": "triggered",
                    "severity": "info",
                    "alert_key": f"report-{report_id}",
                    "created_at": "2026-01-05T10:00:00Z",
                    "suppressed": False,
                    "self": f"{API}/alerts/PALERT1",
                    "html_url": f"{WEB}/alerts/PALERT1",
                    "service": ref("service", "PPLAT01", "services"),
                    "incident": ref("incident", "PGROUP1", "incidents"),
                    "body": {"type": "alert_body", "contexts": [], "details": {}},
                }
            ],
        ),
    )
    raw = json.dumps(v3_webhook("incident.acknowledged", "PGROUP1", "")).encode()
    receipt_id, created = accept(
        linked.model.webhook_token,
        raw,
        f"v1=00,v1={expected_signature('whsec-one', raw)}",
        "8f2a6f3e-4c1c-4b43-9f4e-0c1d2e3f4a5b",
    )
    assert created and apply_receipt(receipt_id).startswith("acknowledged via pagerduty on report")
    report = db.session.get(Report, report_id)
    assert report.pd_status == "acknowledged" and report.pd_incident_url == f"{WEB}/incidents/PGROUP1"
    entries = api.get(f"/reports/{report_id}").json["timeline"]
    entry = next(e for e in entries if e["message"] == "Acknowledged via PagerDuty by Earline Greenholt.")
    assert entry["at"].startswith("2026-01-05T10:05")
    assert pd.verify() == 2


def test_eu_region_uses_the_eu_hosts(db, org, pd):
    from webapp.connection.services import connect_api_token

    pd.answer("GET", "/users/me", {"user": user("PXPGF42", OWNER)}, host="https://api.eu.pagerduty.com")
    assert connect_api_token(org.id, TOKEN, region="eu").account_email == OWNER
    assert pd.verify() == 1


def test_an_annotated_webhook_names_the_incident_of_its_note(db, api, linked):
    """incident.annotated carries the note as its data: the incident is the note's `incident` reference."""
    from webapp.models import WebhookReceipt
    from webapp.reports.services import create_report
    from webapp.webhooks.credentials import add_signing_secret
    from webapp.webhooks.services import accept, apply_receipt
    from webapp.webhooks.signatures import expected_signature

    add_signing_secret(linked.id, "whsec-one")
    report = create_report(linked.id, "Noted")
    report.pd_incident_id = "PINC007"  # stored when PagerDuty accepted its trigger
    db.session.commit()
    body = {
        "event": {
            "id": "01DEN7MXZ6BNBK8P2ZNQ6GZ6GL",
            "event_type": "incident.annotated",
            "resource_type": "incident",
            "occurred_at": "2026-01-05T10:06:00Z",
            "agent": None,
            "data": {
                "incident": ref("incident", "PINC007", "incidents"),
                "id": "PNOTE07",
                "content": "Looking into it",
                "trimmed": False,
                "type": "incident_note",
            },
        }
    }
    raw = json.dumps(body).encode()
    receipt_id, _ = accept(linked.model.webhook_token, raw, f"v1={expected_signature('whsec-one', raw)}", None)
    assert db.session.get(WebhookReceipt, receipt_id).pd_incident_id == "PINC007"
    assert apply_receipt(receipt_id) == f"annotated on report {report.id}"
    messages = [entry["message"] for entry in api.get(f"/reports/{report.id}").json["timeline"]]
    assert "Note in PagerDuty: Looking into it" in messages


@pytest.mark.parametrize(
    "errors, outcome",
    [
        (["Invalid routing key"], "paused"),
        (["Length of 'routing_key' is incorrect (should be 32 characters)"], "paused"),
        (["'payload.summary' is missing or blank"], "failed"),
    ],
)
def test_events_api_400s_pause_for_key_problems_and_fail_otherwise(db, api, pd, platform, errors, outcome):
    """PagerDuty's answer to an event it refuses: a refused service key breaks that route and the alert goes on to
    the VDP key; when that key (the last one) is refused too, the org pauses. Anything else fails."""
    from tests.sending import send_now
    from webapp.health.badge import status_badge

    pd.answer(
        "POST",
        "/v2/enqueue",
        {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
        status=400,
        host=EVENTS,
    )
    api.post("/incidents", json=K8S)
    delivery_id = db.session.scalar(db.select(Delivery.id).filter_by(action="trigger"))
    if outcome == "paused":
        assert send_now(delivery_id) == "rerouted"
        delivery = db.session.get(Delivery, delivery_id)
        assert delivery.routing_key == VDP_KEY and "Platform refused" in delivery.route_reason
        assert status_badge(platform.org_id)["state"] == "attention"
    assert send_now(delivery_id) == outcome
    assert status_badge(platform.org_id)["state"] == ("error" if outcome == "paused" else "connected")
