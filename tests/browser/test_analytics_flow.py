"""The Analytics page in a real browser, as a member: charts drawn under the CSP, presets, group-by and a group's
items swapped in by htmx without a reload, CSV download; ANALYTICS_SCREENSHOT=<path> saves a screenshot."""

import os
from datetime import timedelta

import pytest

from tests.browser.conftest import follow, sign_in

pytestmark = pytest.mark.browser
RESPONDERS = ("Ada Lovelace", "Bob Kahn", None)


def seed(db, org_id):
    """A handful of incidents and reports over the last days, as the recordings leave them."""
    from webapp.analytics import record
    from webapp.models import Incident, Report
    from webapp.models.types import utcnow

    now = utcnow()
    for n in range(9):
        started = now - timedelta(days=n % 6, hours=n + 1)
        item = (
            Report(org_id=org_id, title=f"Report {n}", submitted_at=started, status="resolved" if n % 3 else "new")
            if n % 2
            else Incident(org_id=org_id, kind="kubernetes", title=f"Incident {n}", severity="high", created_at=started)
        )
        db.session.add(item)
        record.note_paged(item, started + timedelta(seconds=20 + n * 7), ("Platform", "Security VDP")[n % 2], "error")
        who = RESPONDERS[n % 3]
        if who:
            record.note_acknowledged(item, started + timedelta(minutes=3 + n), who)
            if n % 4:
                record.note_resolved(item, started + timedelta(minutes=40 + 9 * n))
    db.session.commit()


def test_member_reads_the_figures_and_drills_into_a_group(page, live_server, org, db):
    seed(db, org.id)
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, org.member_email)
    follow(page, "Analytics")
    for name in ("volume", "times"):
        chart = page.locator(f'.analytics-chart[data-chart="{name}"][data-drawn] canvas')
        chart.wait_for()
        assert chart.bounding_box()["width"] > 200
    assert page.locator('[data-total="paged"]').inner_text() == "9"
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Last 7 days").click()
    page.locator('[data-preset="7"][aria-current="true"]').wait_for()
    page.get_by_role("link", name="Responder").click()
    page.locator('#analytics-groups tr[data-key="Ada Lovelace"]').wait_for()
    assert page.locator("#analytics-groups tbody tr").count() == 2
    page.locator('.analytics-chart[data-chart="times"][data-drawn] canvas').wait_for()
    page.get_by_role("link", name="Bob Kahn").click()
    page.locator("#analytics-item-list tr[data-item]").first.wait_for()
    assert page.locator("#analytics-item-list tr[data-item]").count() == 3
    assert page.evaluate("window.notReloaded") is True and "days=7" in page.url
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("analytics-responder-")
    if os.environ.get("ANALYTICS_SCREENSHOT"):
        page.get_by_role("link", name="Service").click()
        page.locator('#analytics-groups tr[data-key="Platform"]').wait_for()
        page.locator('.analytics-chart[data-chart="volume"][data-drawn] canvas').wait_for()
        page.screenshot(path=os.environ["ANALYTICS_SCREENSHOT"], full_page=True)
    assert problems == []


def test_seconds_long_medians_keep_their_axis_labels_whole_in_dark_mode(page, live_server, org, db):
    """A handful of responses within seconds: the minutes axis reads 0.04 min and such, every label whole."""
    from webapp.analytics import record
    from webapp.models import Incident
    from webapp.models.types import utcnow

    now = utcnow()
    for n in range(3):
        item = Incident(
            org_id=org.id, kind="cloud", title=f"Quick {n}", severity="low", created_at=now - timedelta(days=n)
        )
        db.session.add(item)
        record.note_paged(item, item.created_at + timedelta(seconds=1), "Platform", "info")
        record.note_acknowledged(item, item.created_at + timedelta(seconds=2 + n), "Ada Lovelace")
        record.note_resolved(item, item.created_at + timedelta(seconds=5 + 2 * n))
    db.session.commit()
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server, org.member_email)
    follow(page, "Analytics")
    page.locator('.analytics-chart[data-chart="times"][data-drawn] canvas').wait_for()
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "dark"
    room = page.evaluate(
        """() => {
          const u = document.querySelector('.analytics-chart[data-chart="times"]').uplot, axis = u.axes[1];
          u.ctx.font = axis.font[0];
          const widest = Math.max(...axis._values.map(v => u.ctx.measureText(v).width / devicePixelRatio));
          return {size: axis._size, needed: widest + axis.ticks.size + axis.gap, labels: axis._values};
        }"""
    )
    assert any(label.startswith("0.0") for label in room["labels"]), room  # fractions of a minute, not 0 or 0.1
    assert room["size"] >= room["needed"], room
