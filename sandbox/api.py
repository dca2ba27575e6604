"""PagerDuty's Events API v2 and the parts of REST API v2 that PagerBridge uses, at PagerDuty's own paths."""

import time

from flask import Blueprint, Response, current_app, jsonify, request

from sandbox import incidents as inc
from sandbox.events import CONTENT_TYPE, answer_event
from sandbox.oncall import oncalls_between, schedule_reference, user_object

bp = Blueprint("api", __name__)
HANG_SECONDS = 30.0


def state():
    return current_app.config["SANDBOX_STATE"]


def base_url():
    return request.host_url.rstrip("/")


def rest_error(status, message, code, errors=None):
    body = {"error": {"message": message, "code": code}}
    if errors:
        body["error"]["errors"] = errors
    return jsonify(body), status


def fault_response(scope):
    """Answer as an injected fault would, or None."""
    fault = state().take_fault(scope)
    if fault is None:
        return None
    if fault.mode == "slow":
        time.sleep(fault.delay)
        return None
    if fault.mode == "hang":
        # No answer until every client has given up (PagerBridge waits 10 s); then the call is carried out, as
        # PagerDuty may well act on a call whose answer never reached the caller.
        state().count_hung()
        time.sleep(fault.delay or HANG_SECONDS)
        return None
    if fault.mode == "429":
        response = jsonify(status="throttle event", message="Requests for this service are arriving too quickly.")
        response.status_code, response.headers["Retry-After"] = 429, str(fault.retry_after)
        return response
    if fault.mode == "401":
        return (
            rest_error(401, "Unauthorized", 2006)
            if scope == "rest"
            else (
                jsonify(status="invalid event", message="Event object is invalid", errors=["Invalid routing key"]),
                400,
            )
        )
    if fault.mode == "403":
        return rest_error(403, "Access Denied", 2010)
    return jsonify(status="error", message="Internal Server Error"), int(fault.mode) if fault.mode.isdigit() else 500


@bp.post("/v2/enqueue")
def enqueue():
    """Events API v2: an injected fault, else validate, pace per routing key, then ingest."""
    faulted = fault_response("events")
    if faulted is not None:
        return faulted
    answer = answer_event(state(), request.get_data(), base_url())
    return Response(answer.body, answer.status, answer.headers, mimetype=CONTENT_TYPE)


@bp.post("/v2/change/enqueue")
def change_enqueue():
    """Change events are accepted and ignored."""
    return jsonify(status="success", message="Change event processed"), 202


@bp.before_app_request
def authenticate_rest():
    """REST calls need `Authorization: Token token=<api token>` of a seeded account."""
    if (
        request.path.startswith(("/v2/", "/_sandbox", "/static"))
        or request.path == "/"
        or request.blueprint in ("ui", "story_ui")
    ):
        return None
    faulted = fault_response("rest")
    if faulted is not None:
        return faulted
    header = request.headers.get("Authorization", "")
    token = header.split("token=", 1)[1].strip() if header.startswith("Token token=") else None
    account = state().accounts.get(token)
    if account is None:
        return rest_error(401, "Unauthorized", 2006)
    request.environ["sandbox.account"] = account
    return None


def account():
    return request.environ["sandbox.account"]


def page(items, collection):
    """Classic offset pagination with PagerDuty's limits."""
    try:
        limit = int(request.args.get("limit", 25))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return rest_error(400, "Invalid Input Provided", 2001, ["limit and offset must be integers"])
    limit = max(1, min(limit, 100))
    if offset < 0 or offset + limit > 10000:
        return rest_error(400, "Invalid Input Provided", 2001, ["Offset must be less than 10000 - limit"])
    chunk = items[offset : offset + limit]
    body = {collection: chunk, "limit": limit, "offset": offset, "more": offset + limit < len(items)}
    if request.args.get("total") == "true":
        body["total"] = len(items)
    return jsonify(body)


def service_object(service, include_integrations=False):
    url = base_url()
    integrations = [
        integration_object(service, i)
        if include_integrations
        else {
            "id": i["id"],
            "type": "events_api_v2_inbound_integration_reference",
            "summary": i["name"],
            "self": f"{url}/services/{service['id']}/integrations/{i['id']}",
        }
        for i in service["integrations"]
    ]
    return {
        "id": service["id"],
        "type": "service",
        "summary": service["name"],
        "name": service["name"],
        "description": service["description"],
        "status": service["status"],
        "self": f"{url}/services/{service['id']}",
        "html_url": f"{url}/service-directory/{service['id']}",
        "created_at": inc.iso(service["created_at"]),
        "integrations": integrations,
        "escalation_policy": {"id": "PESCPOL", "type": "escalation_policy_reference", "summary": "Default"},
        "teams": [],
        "alert_creation": "create_alerts_and_incidents",
    }


def integration_object(service, integration):
    url = base_url()
    return {
        "id": integration["id"],
        "type": integration["type"],
        "summary": integration["name"],
        "name": integration["name"],
        "integration_key": integration["integration_key"],
        "self": f"{url}/services/{service['id']}/integrations/{integration['id']}",
        "html_url": f"{url}/service-directory/{service['id']}/integrations/{integration['id']}",
        "created_at": inc.iso(integration["created_at"]),
        "service": {"id": service["id"], "type": "service_reference", "summary": service["name"]},
    }


def find_service(service_id):
    return account().services.get(service_id)


@bp.get("/users/me")
def users_me():
    if account().token_type != "user":
        return rest_error(400, "Invalid Input Provided", 2001, ["This endpoint requires a user-level API token"])
    me = next(
        (u for u in account().users if u["email"] == account().user_email),
        {"id": "PME0001", "name": "Token Owner", "email": account().user_email},
    )
    return jsonify(user=user_object(me, base_url()))


@bp.get("/abilities")
def abilities():
    return jsonify(abilities=["teams", "urgencies", "read_only_users", "event_rules", "webhook_subscriptions"])


@bp.get("/services")
def list_services():
    query = (request.args.get("query") or "").lower()
    services = [s for s in account().services.values() if query in s["name"].lower()]
    include = "integrations" in request.args.getlist("include[]")
    return page([service_object(s, include) for s in services], "services")


@bp.get("/services/<service_id>")
def get_service(service_id):
    service = find_service(service_id)
    if service is None:
        return rest_error(404, "Not Found", 2100)
    return jsonify(service=service_object(service, "integrations" in request.args.getlist("include[]")))


@bp.post("/services/<service_id>/integrations")
def create_integration(service_id):
    service = find_service(service_id)
    if service is None:
        return rest_error(404, "Not Found", 2100)
    spec = (request.get_json(silent=True) or {}).get("integration") or {}
    if spec.get("type") not in ("events_api_v2_inbound_integration", "generic_events_api_inbound_integration"):
        return rest_error(400, "Invalid Input Provided", 2001, ["Integration type is invalid"])
    with state().lock:
        integration = state().add_integration(service, name=spec.get("name") or "Events API v2")
    return jsonify(integration=integration_object(service, integration)), 201


@bp.get("/services/<service_id>/integrations/<integration_id>")
def get_integration(service_id, integration_id):
    service = find_service(service_id)
    integration = next((i for i in (service or {}).get("integrations", []) if i["id"] == integration_id), None)
    if integration is None:
        return rest_error(404, "Not Found", 2100)
    return jsonify(integration=integration_object(service, integration))


@bp.get("/users")
def list_users():
    query = (request.args.get("query") or "").lower()
    users = [
        user_object(u, base_url()) for u in account().users if query in u["name"].lower() or query in u["email"].lower()
    ]
    return page(users, "users")


@bp.get("/schedules")
def list_schedules():
    query = (request.args.get("query") or "").lower()
    return page(
        [schedule_reference(s, base_url(), "schedule") for s in account().schedules if query in s["name"].lower()],
        "schedules",
    )


@bp.get("/v3/schedules")
def list_v3_schedules():
    query = (request.args.get("query") or "").lower()
    return page(
        [
            schedule_reference(s, base_url(), "schedule_v3_reference")
            for s in account().v3_schedules
            if query in s["name"].lower()
        ],
        "schedules",
    )


@bp.get("/oncalls")
def list_oncalls():
    entries = oncalls_between(account(), request.args, base_url())
    if isinstance(entries, str):
        return rest_error(400, "Invalid Input Provided", 2001, [entries])
    return page(entries, "oncalls")


from sandbox import api_incidents, api_oncall, api_subscriptions  # noqa: E402,F401  (their endpoints register on bp)
