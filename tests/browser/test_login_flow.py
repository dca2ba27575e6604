"""A person signs in, sees the dashboard, manages users, and signs out, in a real browser."""

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_login_dashboard_logout(page, live_server, org):
    sign_in(page, live_server, org.admin_email)
    assert page.get_by_role("heading", name=org.model.name).is_visible()
    assert page.get_by_text("Open reports").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_server + "/login")
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")


def test_admin_adds_user_with_htmx(page, live_server, org):
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/users/")
    page.get_by_label("Email").fill("new.person@example.com")
    page.get_by_label("Initial password").fill("a-long-password")
    page.get_by_role("button", name="Add user").click()
    page.locator('tr[data-user="new.person@example.com"]').wait_for()
    assert page.get_by_text("Added new.person@example.com.").is_visible()


def test_phone_width_navigation(chromium, live_server, org):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, org.admin_email)
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("link", name="Dashboard").is_visible()
    context.close()
