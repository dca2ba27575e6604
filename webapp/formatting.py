"""Jinja filters for times and labels."""

from datetime import UTC, datetime

from markupsafe import Markup


def humanize_delta(moment, now=None):
    """'in 3 h', '12 min ago': a short relative time."""
    if moment is None:
        return "—"
    now = now or datetime.now(UTC)
    seconds = int((moment - now).total_seconds())
    future, seconds = seconds >= 0, abs(seconds)
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
        ago=humanize_delta, ts=timestamp, label=label, local=time_tag, relative=relative_time_tag
    )
