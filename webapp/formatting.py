"""Jinja filters for times, labels and counts: one time format everywhere (the viewer's local time, 24-hour)."""

import re
from datetime import UTC, datetime

from markupsafe import Markup

NOW_SECONDS = 10  # closer than this, past or future, is "now" (never "in 0 s")
UTC_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC")


def humanize_delta(moment, now=None):
    """'in 3 h', '12 min ago': a short relative time."""
    if moment is None:
        return "—"
    now = now or datetime.now(UTC)
    seconds = int((moment - now).total_seconds())
    future, seconds = seconds >= 0, abs(seconds)
    if seconds < NOW_SECONDS:
        return "now"
    if seconds < 60:
        text = f"{seconds} s"
    elif seconds < 3600:
        text = f"{seconds // 60} min"
    elif seconds < 86400 * 2:
        text = f"{seconds // 3600} h {seconds % 3600 // 60} min"
    else:
        text = f"{seconds // 86400} d {seconds % 86400 // 3600} h"
    return f"in {text}" if future else f"{text} ago"


def timestamp(moment):
    """An ISO-like UTC timestamp for display."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def time_tag(moment, style="datetime"):
    """A <time> that static/app.js shows in the viewer's time zone ("datetime") or relative to now ("relative")."""
    if moment is None:
        return "—"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = humanize_delta(moment) if style == "relative" else timestamp(moment)
    return Markup('<time datetime="{}" data-style="{}" title="{}">{}</time>').format(
        moment.isoformat(), style, timestamp(moment), fallback
    )


def relative_time_tag(moment):
    """A <time> shown relative to now ("in 3 hours"), its exact local time on hover."""
    return time_tag(moment, "relative")


def local_times(text):
    """Text with every "2026-12-06 01:01 UTC" in it (as stored in timeline lines) shown in the viewer's local time."""
    if not text:
        return text or ""
    parts, last = [], 0
    for match in UTC_STAMP.finditer(str(text)):
        moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}").replace(tzinfo=UTC)
        parts += [Markup.escape(str(text)[last : match.start()]), time_tag(moment)]
        last = match.end()
    return Markup("").join([*parts, Markup.escape(str(text)[last:])])


def plural(count, singular, plural_form=None):
    """'1 web process', '2 web processes', '0 paused alerts': the noun follows the number."""
    count = count or 0
    noun = singular if count == 1 else plural_form or _plural(singular)
    return f"{count:,} {noun}"


def _plural(noun):
    head, _, last = noun.rpartition(" ")
    word = last + ("es" if last.endswith(("s", "sh", "ch", "x")) else "s")
    return f"{head} {word}" if head else word


ACRONYMS = {"sla": "SLA", "vdp": "VDP", "api": "API", "pagerduty": "PagerDuty"}


def label(value):
    """'at_risk' → 'At risk', 'sla_breached' → 'SLA breached'."""
    words = str(value or "").replace("_", " ").replace("-", " ").split()
    words = [ACRONYMS.get(word.lower(), word.lower()) for word in words]
    if words and words[0].islower() and words[0] not in ACRONYMS.values():
        words[0] = words[0].capitalize()
    return " ".join(words)


def register_filters(app):
    """Make the filters available to templates."""
    app.jinja_env.filters.update(
        ago=humanize_delta,
        ts=timestamp,
        label=label,
        local=time_tag,
        relative=relative_time_tag,
        local_times=local_times,
        plural=plural,
    )
