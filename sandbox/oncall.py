"""Rotating schedules: who is on call when, computed from each schedule's users, start and shift length."""

import time
from datetime import datetime

from sandbox.incidents import iso


def user_object(user, base_url):
    """A PagerDuty user object."""
    return {
        "id": user["id"],
        "type": "user",
        "summary": user["name"],
        "name": user["name"],
        "email": user["email"],
        "self": f"{base_url}/users/{user['id']}",
        "html_url": f"{base_url}/users/{user['id']}",
        "time_zone": "Etc/UTC",
        "role": "user",
    }


def schedule_reference(schedule, base_url, kind):
    """A schedule as the list endpoints return it."""
    path = "v3/schedules" if kind == "schedule_v3_reference" else "schedules"
    return {
        "id": schedule["id"],
        "type": kind,
        "summary": schedule["name"],
        "name": schedule["name"],
        "self": f"{base_url}/{path}/{schedule['id']}",
        "html_url": f"{base_url}/schedules/{schedule['id']}",
        "time_zone": "Etc/UTC",
        "description": "",
    }


def parse_time(value, default):
    if not value:
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def shifts(schedule, since, until):
    """(user_id, start, end) for every shift of a schedule overlapping [since, until]."""
    users, length, start = schedule["user_ids"], schedule["shift_seconds"], schedule["start"]
    if not users:
        return []
    first = int((since - start) // length)
    result, k = [], first
    while start + k * length <= until:
        shift_start = start + k * length
        result.append((users[k % len(users)], shift_start, shift_start + length))
        k += 1
        if k - first > 1000:
            break
    return result


def oncalls_between(account, args, base_url):
    """GET /oncalls: entries for the requested schedules in the window (now when no window); str on bad input."""
    now = time.time()
    since, until = parse_time(args.get("since"), now), parse_time(args.get("until"), now)
    if since is None or until is None or until < since:
        return "since and until must be ISO 8601 times with since before until"
    wanted = set(args.getlist("schedule_ids[]"))
    include_users = "users" in args.getlist("include[]")
    users = {u["id"]: u for u in account.users}
    entries = []
    for schedule in account.schedules:  # shift-based schedules are exclusive to the v3 API
        if wanted and schedule["id"] not in wanted:
            continue
        found = shifts(schedule, since, until)
        if args.get("earliest") == "true":
            found = found[:1]
        for user_id, start, end in found:
            user = users[user_id]
            entries.append(
                {
                    "escalation_level": 1,
                    "start": iso(start),
                    "end": iso(end),
                    "escalation_policy": {"id": "PESCPOL", "type": "escalation_policy_reference", "summary": "Default"},
                    "schedule": {"id": schedule["id"], "type": "schedule_reference", "summary": schedule["name"]},
                    "user": user_object(user, base_url)
                    if include_users
                    else {
                        "id": user["id"],
                        "type": "user_reference",
                        "summary": user["name"],
                        "self": f"{base_url}/users/{user['id']}",
                    },
                }
            )
    return entries


def final_schedule(schedule, since, until):
    """The v3 `final_schedule` of a shift-based schedule between since and until (epoch seconds)."""
    found = [
        (user_id, max(start, since), min(end, until))
        for user_id, start, end in shifts(schedule, since, until)
        if end > since and start < until
    ]
    covered = sum(end - start for _, start, end in found)
    return {
        "type": "final_schedule",
        "rendered_coverage_percentage": round(100 * covered / (until - since), 2) if until > since else 0,
        "computed_shift_assignments": [
            {
                "type": "computed_shift_assignment",
                "start_time": iso(start),
                "end_time": iso(end),
                "member": {"type": "user_member", "user_id": user_id},
                "source": {"type": "schedule_rotation", "rotation_id": f"{schedule['id']}R1"},
            }
            for user_id, start, end in found
        ],
    }
