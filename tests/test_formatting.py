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
