"""The sandbox's v3 (shift-based) schedule and single-user endpoints."""

import time

from flask import jsonify, request

from sandbox.api import account, base_url, bp, rest_error
from sandbox.oncall import final_schedule, parse_time, user_object


@bp.get("/v3/schedules/<schedule_id>")
def get_v3_schedule(schedule_id):
    """A shift-based schedule; with include[]=final_schedule, its computed shifts between since and until."""
    schedule = next((s for s in account().v3_schedules if s["id"] == schedule_id), None)
    if schedule is None:
        return rest_error(404, "Not Found", 2100)
    url = base_url()
    body = {
        "id": schedule["id"],
        "type": "schedule_v3",
        "name": schedule["name"],
        "time_zone": "Etc/UTC",
        "self": f"{url}/v3/schedules/{schedule['id']}",
        "html_url": f"{url}/schedules/{schedule['id']}",
    }
    if "final_schedule" in request.args.getlist("include[]"):
        now = time.time()
        since, until = parse_time(request.args.get("since"), now), parse_time(request.args.get("until"), now)
        if since is None or until is None or until < since:
            return rest_error(400, "Invalid Input Provided", 2001, ["since and until must be ISO 8601, since first"])
        body["final_schedule"] = final_schedule(schedule, since, until)
    return jsonify(schedule=body)


@bp.get("/users/<user_id>")
def get_user(user_id):
    """One user of the account (on-call sync reads a shift-based schedule's users by id)."""
    found = next((u for u in account().users if u["id"] == user_id), None)
    if found is None:
        return rest_error(404, "Not Found", 2100)
    return jsonify(user=user_object(found, base_url()))
