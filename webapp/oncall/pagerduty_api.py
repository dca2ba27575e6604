"""The PagerDuty REST calls on-call needs: schedules (classic and shift-based) and who is on call."""
from datetime import datetime, timedelta

from webapp.pagerduty import client


def list_schedules(credentials):
    """Every schedule of the account, classic and v3 (shift-based), as (id, name) sorted by name."""
    classic = client.paginate(credentials, "/schedules", "schedules")
    try:
        shift_based = client.paginate(credentials, "/v3/schedules", "schedules")
    except client.PagerDutyError as error:
        if error.is_auth_failure or error.status is None:
            raise
        shift_based = []
    seen = {}
    for schedule in classic + shift_based:
        seen.setdefault(schedule["id"], schedule.get("name") or schedule.get("summary") or schedule["id"])
    return sorted(seen.items(), key=lambda item: item[1].lower())


def _time(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def oncall_entries(credentials, schedule_id, now, days=7):
    """Shifts on the schedule from now to `days` ahead: [{start, end, user_id, name, email}] by start."""
    params = {"schedule_ids[]": schedule_id, "include[]": "users", "since": now.isoformat(),
              "until": (now + timedelta(days=days)).isoformat()}
    entries = client.paginate(credentials, "/oncalls", "oncalls", params=params)
    shifts = []
    for entry in entries:
        user = entry.get("user") or {}
        if not entry.get("start") or not entry.get("end"):
            continue
        shifts.append({"start": _time(entry["start"]), "end": _time(entry["end"]), "user_id": user.get("id"),
                       "name": user.get("name") or user.get("summary") or "", "email": (user.get("email") or "")})
    return sorted(shifts, key=lambda s: s["start"])
