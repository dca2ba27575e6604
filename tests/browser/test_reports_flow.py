"""A researcher reports through the public form; an admin finds it by active search, assesses it, sees the timeline."""

import pytest

from tests.browser.conftest import follow, sign_in

pytestmark = pytest.mark.browser


def test_public_form_search_assess(page, live_server, org):
    page.goto(f"{live_server}/vdp/{org.slug}")
    page.get_by_label("Title").fill("SQL injection in search")
    page.get_by_label("Description").fill("' OR 1=1 -- returns every row")
    page.get_by_label("Your email").fill("finder@example.org")
    page.get_by_role("button", name="Submit report").click()
    page.get_by_text("has received your report").wait_for()
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/reports/")
    page.get_by_label("Search").fill("sql inj")
    page.wait_for_url("**/reports/?q=sql*")
    follow(page, "SQL injection in search")
    page.get_by_label("Severity").select_option("critical")
    page.get_by_role("button", name="Assess").click()
    page.get_by_text("Severity assessed: none → critical.").wait_for()
    assert page.locator('ol.timeline li[data-kind="report.submitted"]').is_visible()
