"""Choose a schedule, switch mode, see who is on call."""

import pytest

from tests.browser.conftest import sign_in
from tests.oncall.test_services import rota  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_choose_schedule_and_switch_modes(page, live_server, connected, rota, db):  # noqa: F811
    from webapp.oncall.services import set_mode

    set_mode(connected.id, "manual")
    sign_in(page, live_server, connected.admin_email)
    page.goto(live_server + "/oncall/settings")
    page.get_by_label("PagerDuty schedule").select_option(label="Rota")
    page.get_by_role("button", name="Use this schedule (PagerDuty mode)").click()
    page.get_by_text("Schedule synced").wait_for()
    page.goto(live_server + "/oncall/")
    assert page.locator('[data-source="pagerduty"]').is_visible()
    page.get_by_text("Manual", exact=True).click()
    page.get_by_role("button", name="Save mode").click()
    page.goto(live_server + "/oncall/")
    page.get_by_label("Person").select_option(index=1)
    page.get_by_role("button", name="Put on call").click()
    page.locator('[data-source="manual"]').wait_for()
