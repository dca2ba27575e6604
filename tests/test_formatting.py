"""Template filters: labels read as words, acronyms stay upper-case."""

import pytest

from webapp.formatting import label


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sla_at_risk", "SLA at risk"),
        ("at_risk", "At risk"),
        ("new_report", "New report"),
        ("super-critical", "Super critical"),
        ("vdp", "VDP"),
        ("pagerduty", "PagerDuty"),
        (None, ""),
    ],
)
def test_label(value, expected):
    assert label(value) == expected


def test_times_are_time_elements_the_browser_shows_locally():
    from datetime import UTC, datetime

    from webapp.formatting import time_tag

    moment = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
    assert str(time_tag(moment)) == (
        '<time datetime="2030-06-01T08:00:00+00:00" data-style="datetime" title="2030-06-01 08:00 UTC">'
        "2030-06-01 08:00 UTC</time>"
    )
    assert 'data-style="relative"' in str(time_tag(moment, "relative")) and time_tag(None) == "—"
