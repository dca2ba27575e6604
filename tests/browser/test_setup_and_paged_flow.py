"""A new org's checklist, then an incident's page saying where it was paged, why, and what a lost webhook said."""

from datetime import timedelta

import pytest
import requests

from tests import factories
from tests.api.test_incidents import K8S
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_KEY, wait_for
from webapp.models import Delivery, Incident
from webapp.models.types import utcnow

pytestmark = pytest.mark.browser


def test_checklist_then_paged_lines_and_reconciliation(page, live_server, connected, pd_account, worker, api, db):
    sign_in(page, live_server, connected.admin_email)
    checklist = page.locator("#setup-checklist")
    assert checklist.get_attribute("data-complete") == "false"
    assert checklist.locator('[data-step="connect"]').get_attribute("data-done") == "true"
    default_step = checklist.locator('[data-step="default"]')
    assert default_step.get_attribute("data-done") == "false" and "No default service yet" in default_step.inner_text()
    default_step.get_by_role("link", name="Do it now").click()
    page.wait_for_url(f"{live_server}/settings/routing/services")

    factories.default_service(connected.id, DEFAULT_KEY)
    page.goto(live_server + "/")
    assert checklist.locator('[data-step="default"]').get_attribute("data-done") == "true"
    assert "Platform" in checklist.locator('[data-step="default"]').inner_text()

    incident_id = api.post("/incidents", json=K8S).json["id"]
    wait_for(
        lambda: (
            db.session.scalar(db.select(Delivery.status).filter_by(dedup_key=f"incident-{incident_id}")) == "delivered"
        )
    )
    page.goto(f"{live_server}/incidents/{incident_id}")
    assert page.locator("#timeline").get_by_text("Paged Platform (Kubernetes incident, error)").is_visible()
    assert page.locator('#route [data-route="routed"]').inner_text() == "Platform"
    assert "sent to the default service" in page.locator("#route").inner_text()

    incident = pd_account.state.incident_by_key(f"incident-{incident_id}")
    requests.post(f"{pd_account.url}/_sandbox/incidents/{incident['id']}/acknowledge?webhook=0").raise_for_status()
    db.session.execute(
        db.update(Incident).filter_by(id=incident_id).values(updated_at=utcnow() - timedelta(minutes=11))
    )
    db.session.commit()
    from webapp.webhooks.reconcile import reconcile_org

    assert reconcile_org(connected.id)[1].endswith("acknowledged by Responder (found by reconciliation)")
    page.reload()
    line = page.locator("#timeline").get_by_text("Acknowledged via PagerDuty (found by reconciliation) by Responder.")
    assert line.is_visible()
    assert (
        page.locator('[data-pd-status="acknowledged"]').is_visible()
        and page.locator('[data-status="open"]').is_visible()
    )
