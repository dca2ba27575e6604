"""Choose a schedule from the lazily loaded picker, switch mode, see who is on call."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import wait_for
from tests.oncall.test_services import rota  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_choose_schedule_and_switch_modes(page, live_server, connected, rota, worker, db):  # noqa: F811
    from webapp.oncall.services import current_shift, set_mode

    set_mode(connected.id, "manual")
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/oncall/settings")
    page.locator('#schedule-picker[data-picker-state="ready"]').wait_for(timeout=20_000)
    page.get_by_label("PagerDuty schedule").select_option(label="Rota")
    page.get_by_role("button", name="Use this schedule (PagerDuty mode)").click()
    page.get_by_text("PagerDuty mode saved").wait_for()
    wait_for(lambda: (shift := current_shift(connected.id)) is not None and shift.source == "pagerduty")  # the job
    page.goto(live_server + "/oncall/")
    assert page.locator('[data-source="pagerduty"]').is_visible()
    page.get_by_text("Manual", exact=True).click()
    page.get_by_role("button", name="Save mode").click()
    page.goto(live_server + "/oncall/")
    page.get_by_label("Person").select_option(index=1)
    page.get_by_role("button", name="Put on call").click()
    page.locator('[data-source="manual"]').wait_for()


def test_picker_shows_loading_then_why_it_failed_and_retries(page, live_server, org, worker, db):
    """Without an API token the job cannot read schedules: the picker says so, and Try again asks again."""
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/oncall/settings")
    picker = page.locator('#schedule-picker[data-picker-state="failed"]')
    picker.wait_for(timeout=20_000)
    assert "API token" in picker.inner_text()
    picker.get_by_role("button", name="Try again").click()
    page.locator('#schedule-picker[data-picker-state="loading"]').wait_for()  # polls for at least a second
    page.locator('#schedule-picker[data-picker-state="failed"]').wait_for(timeout=20_000)


def test_manual_pick_until_a_local_time_is_kept_in_utc(chromium, live_server, org, db):
    """The viewer in Paris types 10:00 in June (UTC+2): PagerBridge keeps 08:00 UTC and shows 10:00 back."""
    from webapp.oncall.services import current_shift

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Europe/Paris", locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server, org.admin_email)
        page.goto(live_server + "/oncall/")
        page.get_by_label("Person").select_option(index=1)
        page.get_by_label("Until").fill("2030-06-01T10:00")
        page.get_by_role("button", name="Put on call").click()
        page.locator('[data-source="manual"]').wait_for()
        db.session.expire_all()
        assert current_shift(org.id).ends_at.strftime("%Y-%m-%d %H:%M") == "2030-06-01 08:00"
        assert "10:00" in page.locator("#on-call-until").inner_text()
    finally:
        context.close()
