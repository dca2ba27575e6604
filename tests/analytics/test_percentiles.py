"""Median (mean of the middle two for an even count) and p90 by nearest rank, ranked by the database."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from webapp.analytics import services
from webapp.extensions import db as database
from webapp.models import Incident

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def reference(values):
    ordered, n = sorted(values), len(values)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    return {"median": services.seconds(median), "p90": services.seconds(ordered[math.ceil(0.9 * n) - 1])}


@pytest.mark.parametrize(
    "values",
    [[7], [5, 1], [3, 1, 2], [4, 1, 3, 2], [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], list(range(1, 22)), [0.5, 0.25]],
)
def test_figures_match_the_definitions(db, org, values):
    for number, value in enumerate(values):
        paged = T0 + timedelta(minutes=number)
        database.session.add(
            Incident(
                org_id=org.id,
                kind="cloud" if number % 2 else "kubernetes",
                title="t",
                severity="low",
                created_at=paged - timedelta(seconds=value),
                pd_paged_at=paged,
                pd_page_seconds=value,
                pd_ack_seconds=value * 2,
            )
        )
    database.session.commit()
    window = services.Window(T0, T0 + timedelta(days=1), services.GroupBy.KIND)
    answer = services.report(org.id, window)
    assert answer["total"]["time_to_page"] == reference(values)
    assert answer["total"]["time_to_acknowledge"] == reference([v * 2 for v in values])
    assert answer["total"]["time_to_resolve"] == {"median": None, "p90": None}
    for group in answer["groups"]:
        mine = values[0 if group["key"] == "kubernetes" else 1 :: 2]
        assert group["paged"] == len(mine) and group["time_to_page"] == reference(mine)


def test_chart_minutes_keep_a_few_seconds_visible():
    from webapp.analytics import series

    window = services.Window(T0, T0 + timedelta(days=1), services.GroupBy.SERVICE)
    day = {"key": "2026-11-02", "time_to_acknowledge": {"median": 3}, "time_to_resolve": {"median": 7.5}}
    daily = series.daily(window, [day])
    assert daily["tta"] == [0.05] and daily["ttr"] == [0.12]  # a median of 3 s is not drawn as 0.1 (or 0) minutes
