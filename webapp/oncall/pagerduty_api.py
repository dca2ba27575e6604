"""The PagerDuty REST calls on-call needs: schedules (classic and shift-based) and who is on call."""

from datetime import datetime, timedelta

from webapp.pagerduty import client

NOT_THERE = (400, 403, 404)  # the account has no shift-based schedules (or no such schedule): nothing to read


def list_schedules(credentials):
    """Every schedule of the account, classic and v3 (shift-based), as (id, name) sorted by name."""
    classic = client.paginate(credentials, "/schedules", "schedules")
    try:
        shift_based = client.paginate(credentials, "/v3/schedules", "schedules")
    except client.PagerDutyError as error:
        if error.status not in NOT_THERE:
            raise
        shift_based = []
    seen = {}
    for schedule in classic + shift_based:
        seen.setdefault(schedule["id"], schedule.get("name") or schedule.get("summary") or schedule["id"])
    return sorted(seen.items(), key=lambda item: item[1].lower())


def _time(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def oncall_entries(credentials, schedule_id, now, days=7):
    """Shifts on the schedule from now to `days` ahead: [{start, end, user_id, name, email}] by start.

    Classic schedules answer GET /oncalls; shift-based ones are exclusive to the v3 API, so a schedule with no
    on-call entries is read as a shift-based schedule's final schedule.
    """
    until = now + timedelta(days=days)
    shifts = _classic_shifts(credentials, schedule_id, now, until) or _shift_based_shifts(
        credentials, schedule_id, now, until
    )
    return sorted(shifts, key=lambda s: s["start"])


def _shift(start, end, user):
    return {
        "start": _time(start),
        "end": _time(end),
        "user_id": user.get("id"),
        "name": user.get("name") or user.get("summary") or "",
        "email": user.get("email") or "",
    }


def _classic_shifts(credentials, schedule_id, since, until):
    params = {
        "schedule_ids[]": schedule_id,
        "include[]": "users",
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    entries = client.paginate(credentials, "/oncalls", "oncalls", params=params)
    return [_shift(e["start"], e["end"], e.get("user") or {}) for e in entries if e.get("start") and e.get("end")]


def _shift_based_shifts(credentials, schedule_id, since, until):
    params = {"include[]": "final_schedule", "since": since.isoformat(), "until": until.isoformat()}
    try:
        schedule = client.rest(credentials, "GET", f"/v3/schedules/{schedule_id}", params=params)["schedule"]
    except client.PagerDutyError as error:
        if error.status not in NOT_THERE:
            raise
        return []
    assignments = (schedule.get("final_schedule") or {}).get("computed_shift_assignments") or []
    users, shifts = {}, []
    for assignment in assignments:
        member = assignment.get("member") or {}
        user_id = member.get("user_id")
        if member.get("type") == "user_member" and user_id:
            if user_id not in users:
                users[user_id] = client.rest(credentials, "GET", f"/users/{user_id}")["user"]
            shifts.append(_shift(assignment["start_time"], assignment["end_time"], users[user_id]))
    return shifts
