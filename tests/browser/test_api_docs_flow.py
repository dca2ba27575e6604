"""/api/docs renders the API's description under the site's CSP, with no console errors."""

import pytest

pytestmark = pytest.mark.browser


def test_docs_render_without_console_errors(page, live_server):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda answer: problems.append(answer.url) if answer.status >= 400 else None)
    response = page.goto(live_server + "/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock-summary-path", has_text="/api/v1/reports/{report_id}/assessment").wait_for()
    assert page.locator(".opblock").count() >= 13
    page.locator(".opblock-post .opblock-summary", has_text="/api/v1/incidents").first.click()
    page.locator(".opblock-post .opblock-section-request-body").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert problems == []
