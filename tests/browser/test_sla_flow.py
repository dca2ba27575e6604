"""A breached report's badge on the list, and the war-room banner."""

from datetime import timedelta

import pytest
import time_machine

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_breached_badge_and_war_room_banner(page, live_server, org, db):
    from webapp.models.types import utcnow
    from webapp.reports.services import create_report
    from webapp.sla.evaluator import evaluate

    with time_machine.travel(utcnow() - timedelta(days=3)):
        first = create_report(org.id, "Old critical one", severity="critical")
        create_report(org.id, "Old high one", severity="high")
    evaluate()
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/reports/?sort=time_left")
    assert page.locator(f'tr[data-report="{first.id}"] [data-sla="breached"]').is_visible()
    banner = page.locator('[data-banner="war-room"]')
    assert banner.is_visible() and "War room #1" in banner.inner_text()
