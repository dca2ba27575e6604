"""Report pages: list with active search, detail with the timeline, triage by admins, the public VDP form."""

from webapp.models import Report
from webapp.reports.services import create_report


def test_list_detail_and_active_search(admin_client, htmx_client, db, org):
    first = create_report(org.id, "Stored XSS in support", "details", "r@example.com")
    create_report(org.id, "Open redirect")
    page = admin_client.get("/reports/").get_data(as_text=True)
    assert "Stored XSS in support" in page and "Open redirect" in page
    rows = htmx_client.get("/reports/?q=xss", headers={"HX-Target": "report-rows"})
    body = rows.get_data(as_text=True)
    assert body.startswith('<div id="report-rows">') or 'id="report-rows"' in body[:200]
    assert "Stored XSS" in body and "Open redirect" not in body and "HX-Request" in rows.headers["Vary"]
    detail = admin_client.get(f"/reports/{first.id}").get_data(as_text=True)
    assert "Report submitted" in detail and "details" in detail and 'class="timeline"' in detail


def test_admin_assesses_and_member_cannot(admin_client, member_client, db, org):
    report = create_report(org.id, "SSRF")
    assert member_client.post(f"/reports/{report.id}/assess", data={"severity": "critical"}).status_code == 403
    assert member_client.get(f"/reports/{report.id}").status_code == 200
    admin_client.post(f"/reports/{report.id}/assess", data={"severity": "critical"})
    admin_client.post(f"/reports/{report.id}/status", data={"status": "triaging"})
    db.session.expire_all()
    saved = db.session.get(Report, report.id)
    assert saved.severity == "critical" and saved.status == "triaging"
    assert "none → critical" in admin_client.get(f"/reports/{report.id}").get_data(as_text=True)


def test_other_orgs_report_is_404(admin_client, db):
    from tests.factories import org_with_users

    other = org_with_users()
    theirs = create_report(other.id, "theirs")
    assert admin_client.get(f"/reports/{theirs.id}").status_code == 404


def test_public_form_creates_a_report_and_is_rate_limited(client, db, org):
    page = client.get(f"/vdp/{org.slug}")
    assert page.status_code == 200 and org.model.name in page.get_data(as_text=True)
    data = {"title": "IDOR on invoices", "description": "Change the id", "contact_email": "finder@example.org"}
    response = client.post(f"/vdp/{org.slug}", data=data)
    assert response.status_code == 302 and response.location.endswith("/thanks")
    report = db.session.scalar(db.select(Report))
    assert report.source == "form" and report.researcher_email == "finder@example.org"
    assert client.post(f"/vdp/{org.slug}", data={**data, "contact_email": "bad"}).status_code == 422
    for _ in range(10):
        client.post(f"/vdp/{org.slug}", data=data)
    assert client.post(f"/vdp/{org.slug}", data=data).status_code == 429
    assert client.get("/vdp/no-such-org").status_code == 404


def test_honeypot_stores_nothing(client, db, org):
    client.post(
        f"/vdp/{org.slug}",
        data={"title": "spam", "description": "spam", "contact_email": "a@example.com", "website": "http://spam"},
    )
    assert db.session.scalar(db.select(Report)) is None
