"""The Analytics page: figures of a window as a table, charts and CSV; a group's reports and incidents on click."""

from datetime import timedelta

from flask import Response, render_template, request
from flask_login import current_user, login_required

from webapp.analytics import bp, forms, series, services
from webapp.errors import DomainError
from webapp.hx import render
from webapp.models.types import utcnow


@bp.app_template_filter("duration")
def duration(value) -> str:
    """Seconds in a few words: '45 s', '12 min 5 s', '3 h 20 min', '2 d 4 h'; an em dash for none."""
    if value is None:
        return "—"
    whole = int(round(value))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    if whole < 86400:
        return f"{whole // 3600} h {whole % 3600 // 60} min"
    return f"{whole // 86400} d {whole % 86400 // 3600} h"


@bp.get("/")
@login_required
def index():
    """The window's figures; htmx swaps #analytics-results when the window or grouping changes."""
    now = utcnow()
    try:
        window, preset = forms.page_window(request.args, now)
    except DomainError as error:
        window, preset = services.default_window(now), forms.DEFAULT_DAYS
        context = {"errors": error.fields, "problem": error.message}
        return _render(window, preset, status=422, **context)
    return _render(window, preset)


def _render(window, preset, status=200, **context):
    org_id = current_user.org_id
    answer = services.report(org_id, window, days=True)
    charts = series.daily(window, answer.pop("days"))
    return render(
        "analytics/index.html",
        "analytics/_results.html",
        "analytics-results",
        status=status,
        answer=answer,
        window=window,
        preset=preset,
        presets=forms.PRESETS,
        group_choices=list(services.GroupBy),
        charts=charts,
        params=_params(window),
        last_day=(window.until - timedelta(microseconds=1)).strftime("%Y-%m-%d"),
        **context,
    )


def _params(window) -> dict:
    return {"since": services.iso(window.since), "until": services.iso(window.until), "group_by": window.group_by}


@bp.get("/items")
@login_required
def items():
    """The reports and incidents of one group of the window (a fragment for the page)."""
    window, _ = forms.parse_window(request.args, utcnow())
    key = request.args.get("key", "")[:255]
    rows = series.items(current_user.org_id, window, key)
    return render_template("analytics/_items.html", rows=rows, key=key, window=window, limit=series.ITEMS_SHOWN)


@bp.get("/export.csv")
@login_required
def export():
    """The table as CSV: the same figures as GET /api/v1/analytics?format=csv."""
    window, _ = forms.parse_window(request.args, utcnow())
    name = f"analytics-{window.group_by}-{window.since:%Y%m%d}-{window.until:%Y%m%d}.csv"
    return Response(
        services.csv_text(services.report(current_user.org_id, window)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
