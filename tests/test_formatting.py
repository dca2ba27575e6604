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


def test_a_moment_within_seconds_is_now_not_in_0_s():
    from datetime import UTC, datetime, timedelta

    from webapp.formatting import humanize_delta

    now = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
    assert humanize_delta(now, now) == "now"
    assert humanize_delta(now + timedelta(seconds=3), now) == "now"
    assert humanize_delta(now + timedelta(seconds=40), now) == "in 40 s"
    assert humanize_delta(now - timedelta(minutes=5), now) == "5 min ago"


def test_utc_stamps_in_stored_lines_become_local_time_elements():
    from webapp.formatting import local_times

    html = str(local_times("SLA at risk: the deadline is near (2026-12-06 01:01 UTC). <b>"))
    assert '<time datetime="2026-12-06T01:01:00+00:00" data-style="datetime"' in html
    assert html.endswith("). &lt;b&gt;")
    assert str(local_times("no time here")) == "no time here"


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "web process", "1 web process"),
        (2, "web process", "2 web processes"),
        (0, "paused alert", "0 paused alerts"),
        (1, "paused alert", "1 paused alert"),
        (1200, "worker", "1,200 workers"),
    ],
)
def test_plurals_follow_the_number(count, noun, expected):
    from webapp.formatting import plural

    assert plural(count, noun) == expected
