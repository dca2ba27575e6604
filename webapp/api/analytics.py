"""GET /api/v1/analytics: response figures of the org for a window, grouped (F48), as JSON or CSV."""

from typing import Annotated, Literal

from flask import Response, g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from webapp.analytics import forms, services
from webapp.api import bp
from webapp.api.auth import token_required
from webapp.api.openapi import operation
from webapp.api.validation import query
from webapp.models.types import utcnow
from webapp.schemas import text


class AnalyticsQuery(BaseModel):
    """GET /analytics parameters."""

    model_config = ConfigDict(extra="ignore")
    since: Annotated[text(40) | None, Field(description="ISO 8601, inclusive; default: until minus 30 days.")] = None
    until: Annotated[text(40) | None, Field(description="ISO 8601, exclusive; default: now.")] = None
    group_by: Annotated[
        Literal["service", "severity", "kind", "responder"], Field(description="What the groups are.")
    ] = "service"
    format: Annotated[Literal["json", "csv"], Field(description="csv: text/csv, one row per group.")] = "json"


class Duration(BaseModel):
    """Seconds: the median (the mean of the middle two for an even count) and p90 by nearest rank; null if none."""

    median: float | None
    p90: float | None


class Sla(BaseModel):
    """Reports only: SLA met (closed in time), breached, or still open within it."""

    met: int
    breached: int
    open: int


class Figures(BaseModel):
    """Reports and incidents whose first trigger PagerDuty accepted in the window, and how their response went."""

    paged: int
    acknowledged: int
    resolved: int
    time_to_page: Duration
    time_to_acknowledge: Duration
    time_to_resolve: Duration
    sla: Sla


class Group(Figures):
    """One group: the service's name, the PagerDuty severity sent, the kind, or who first acknowledged."""

    key: str


class Analytics(BaseModel):
    """The figures of a window."""

    since: str
    until: str
    group_by: Literal["service", "severity", "kind", "responder"]
    total: Figures
    groups: list[Group]


@bp.get("/analytics")
@operation("Response analytics: paged, acknowledged, resolved and how long each took", Analytics, query=AnalyticsQuery)
@token_required
def analytics():
    """?since=&until=&group_by=service|severity|kind|responder&format=json|csv."""
    params = query(AnalyticsQuery)  # the declared vocabularies and lengths, then the times and their order
    window, answer_format = forms.parse_window(params.model_dump(exclude_none=True), utcnow())
    answer = services.report(g.org_id, window)
    if answer_format is forms.Format.CSV:
        name = f"analytics-{window.group_by}-{window.since:%Y%m%d}-{window.until:%Y%m%d}.csv"
        return Response(
            services.csv_text(answer),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return jsonify(answer)
