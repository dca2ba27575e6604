"""The Operations tab in a real browser: both charts drawn by uPlot under the CSP, no console errors, live refresh."""

from datetime import timedelta

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_charts_render_without_console_errors(page, live_server, org, db):
    from webapp.models import Delivery
    from webapp.models.types import utcnow

    now = utcnow()
    db.session.add_all(
        Delivery(
            org_id=org.id,
            action="trigger",
            event_type="t",
            status="delivered",
            created_at=now - timedelta(hours=hours, seconds=seconds),
            delivered_at=now - timedelta(hours=hours),
        )
        for hours in (1, 3, 7)
        for seconds in (1, 2, 5)
    )
    db.session.commit()
    problems = []
    page.on("console", lambda message: _is_problem(message) and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/operations/")
    for name in ("volume", "latency"):
        chart = page.locator(f'.ops-chart[data-chart="{name}"][data-drawn] canvas')
        chart.wait_for()
        assert chart.bounding_box()["width"] > 200
    assert page.locator(".ops-chart .u-legend").count() == 2
    with page.expect_response(lambda r: "/settings/operations/" in r.url and r.request.headers.get("hx-request")):
        page.evaluate("htmx.trigger(document.body, 'deliveriesChanged')")  # refreshes as the 15 s poll does
    page.locator('.ops-chart[data-chart="latency"][data-drawn] canvas').wait_for()
    assert problems == []


def _is_problem(message):
    """Errors and warnings (a CSP violation is one), except the browser's own favicon request."""
    return message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico")
