"""Settings → Import/export in the browser: a bad file shows its paths; a good one is previewed, confirmed, applied."""

import json

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _choose(page, tmp_path, document):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document))
    page.get_by_label("Settings file").set_input_files(str(path))
    page.get_by_role("button", name="Preview changes").click()


def test_import_preview_then_apply(page, live_server, org, db, tmp_path):
    from webapp.orgs.alert_rules import alert_rules

    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/transfer/")
    _choose(page, tmp_path, {"alert_rules": {"war_room": {"severity": "loud"}}})
    error = page.locator('[data-error-path="alert_rules.war_room.severity"]')
    assert "must be one of" in error.inner_text()
    page.get_by_role("link", name="Choose another file").click()
    _choose(page, tmp_path, {"alert_rules": {"war_room": {"severity": "critical"}}})
    row = page.locator('[data-path="alert_rules.war_room.severity"]')
    assert "error" in row.inner_text() and "critical" in row.inner_text()
    page.get_by_role("button", name="Apply settings").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Apply settings").click()
    page.get_by_text("Applied settings: alert_rules.").wait_for()
    db.session.expire_all()
    assert alert_rules(org.id)["war_room"]["severity"] == "critical"


def test_token_created_copied_and_revoked(page, live_server, org, db):
    sign_in(page, live_server, org.admin_email)
    page.goto(live_server + "/settings/tokens/")
    page.get_by_label("Name").fill("ci scanner")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token-value").input_value()
    assert token.startswith("pb_")
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    row = page.locator("tr", has_text="ci scanner")
    row.get_by_role("button", name="Revoke").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Revoke").click()
    page.locator("tr", has_text="ci scanner").get_by_text("revoked").wait_for()
