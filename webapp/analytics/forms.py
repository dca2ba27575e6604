"""Reading the analytics window from a query string (API and page alike): since, until, group_by, format."""

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from webapp.analytics.services import DEFAULT_DAYS, GroupBy, Window
from webapp.errors import DomainError

PRESETS = (7, 30, 90)
# Far enough for any real window; keeps every time a datetime can hold after adding a day.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
FIRST_DAY, LAST_DAY = EARLIEST.date(), (LATEST - timedelta(days=1)).date()  # a custom range's days, ends included


class Format(StrEnum):
    """How the figures are answered."""

    JSON = "json"
    CSV = "csv"


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (a date alone is its midnight; without a zone, UTC), or ValueError."""
    if not text or len(text) > 40:
        raise ValueError(text)
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    moment = moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(text)
    return moment


def parse_window(args, now: datetime) -> tuple[Window, Format]:
    """The window and format a query string asks for, or a 422 DomainError naming each bad parameter."""
    problems, times = {}, {}
    for name in ("since", "until"):
        text = args.get(name)
        if text:
            try:
                times[name] = parse_time(text)
            except (ValueError, OverflowError):
                problems[name] = "use an ISO 8601 time, e.g. 2026-12-01T00:00:00Z"
    group_by = _choice(GroupBy, args.get("group_by") or GroupBy.SERVICE, "group_by", problems)
    answer = _choice(Format, args.get("format") or Format.JSON, "format", problems)
    until = times.get("until") or now
    since = times.get("since") or until - timedelta(days=DEFAULT_DAYS)
    if not problems and since > until:
        problems["since"] = "must not be later than until"
    if problems:
        raise DomainError("Some query parameters are not valid.", fields=problems)
    return Window(since, until, group_by), answer


def _choice(enum, value, name, problems):
    try:
        return enum(value)
    except ValueError:
        problems[name] = f"must be one of: {', '.join(member.value for member in enum)}"
        return None


def page_window(args, now: datetime) -> tuple[Window, int | None]:
    """The page's window: a preset (?days=7|30|90, up to now), a custom range of days (?from=&to=, both inclusive, UTC),
    or the API's own since/until; with the preset chosen (None for a custom range). 422 DomainError when unreadable."""
    if args.get("from") or args.get("to"):
        return _custom(args, now), None
    if args.get("since") or args.get("until"):
        return parse_window(args, now)[0], None
    days = int(args["days"]) if args.get("days") in {str(preset) for preset in PRESETS} else DEFAULT_DAYS
    window, _ = parse_window({"group_by": args.get("group_by"), "since": ""}, now)
    return Window(now - timedelta(days=days), now, window.group_by), days


def _custom(args, now: datetime) -> Window:
    problems, days = {}, {}
    for name in ("from", "to"):
        try:
            days[name] = date.fromisoformat(args.get(name) or "")
        except ValueError:
            problems[name] = "pick a day"
    for name, day in days.items():
        if not FIRST_DAY <= day <= LAST_DAY:  # a window past LATEST cannot be held (the day after 9999-12-31)
            problems[name] = f"pick a day from {FIRST_DAY} to {LAST_DAY}"
    if not problems and days["from"] > days["to"]:
        problems["from"] = "must not be after the last day"
    group_by = _choice(GroupBy, args.get("group_by") or GroupBy.SERVICE, "group_by", problems)
    if problems:
        raise DomainError("Pick a first and a last day, the first not after the last.", fields=problems)
    since = datetime.combine(days["from"], time(), UTC)
    until = datetime.combine(days["to"], time(), UTC) + timedelta(days=1)
    return Window(since, until, group_by)
