"""Fuzzing the pages and forms (the VDP form, sign-in, the settings forms as an admin): never a 5xx."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import INTEGERS, TEXT, form_bodies, fuzz_settings, path_segments, query_strings
from webapp.models.incident import INCIDENT_SEVERITIES, INCIDENT_STATUSES
from webapp.models.report import REPORT_SEVERITIES, REPORT_STATUSES
from webapp.orgs.alert_rules import RULE_EVENTS

FORM = "application/x-www-form-urlencoded"
BOOL = st.sampled_from(["y", "on", "", "0"])
NUMBER = st.one_of(INTEGERS.map(str), st.sampled_from(["1.5", "nan", "inf", "-inf", "1e400", "-0", "24"]))
PD_SEVERITIES = st.sampled_from(["info", "warning", "error", "critical"])
VDP = {"title": TEXT, "description": TEXT, "contact_email": st.sampled_from(["r@example.com", "a@b"]), "website": TEXT}
PAGES = (
    ("/reports/", ["q", "status", "severity", "sla", "sort", "page"]),
    ("/incidents/", ["q", "kind", "status", "severity", "page"]),
    ("/settings/deliveries/", ["status", "action", "q", "page"]),
    ("/settings/audit/", ["page"]),
    ("/settings/routing/services", ["q", "page"]),
    ("/settings/routing/namespaces", ["page"]),
    ("/settings/routing/namespaces/options", ["cluster_id"]),
    ("/settings/routing/resources", ["page"]),
    ("/settings/routing/resources/search", ["q"]),
    ("/settings/routing/preview", ["kind", "cluster", "namespace", "provider", "resource_id", "resource_type"]),
    ("/oncall/", ["q"]),
    ("/settings/pagerduty/connect-form", ["use_api_token"]),
    ("/webhooks/settings/received", []),
)


def settings_forms(ids):
    """(path, form fields) for the admin's forms; `ids` holds real ids for the paths that take one."""
    report, incident, member = (path_segments(ids[name]) for name in ("report", "incident", "member"))
    severity_hours = {f"hours-{s}": NUMBER for s in REPORT_SEVERITIES}
    sla = {**severity_hours, "at_risk_mode": st.sampled_from(["percent", "hours"]), "at_risk_percent": NUMBER}
    forms = [
        (st.just("/settings/sla/"), {**sla, "at_risk_hours": NUMBER}),
        (
            st.just("/settings/alerts/notifications"),
            {
                "kubernetes": BOOL,
                "cloud": BOOL,
                "skip_transient": BOOL,
                "min_severity": st.sampled_from(INCIDENT_SEVERITIES),
                **{f"map_{s}": PD_SEVERITIES for s in INCIDENT_SEVERITIES},
                "auto_resolve_reports": BOOL,
                "include_sensitive_details": BOOL,
            },
        ),
        (
            st.one_of(st.sampled_from(sorted(RULE_EVENTS)), path_segments("x")).map("/settings/alerts/rules/{}".format),
            {"enabled": BOOL, "severity": PD_SEVERITIES},
        ),
        (
            st.just("/settings/users/"),
            {"email": TEXT, "name": TEXT, "role": st.sampled_from(["member", "admin"]), "password": TEXT},
        ),
        (member.map("/settings/users/{}/role".format), {"role": st.sampled_from(["member", "admin"]) | TEXT}),
        (st.just("/oncall/mode"), {"mode": st.sampled_from(["manual", "pagerduty"]), "schedule_id": TEXT}),
        (
            st.just("/oncall/pick"),
            {"user_id": NUMBER, "ends_at": st.sampled_from(["2026-12-01T10:00", "9999-12-31T23:59"])},
        ),
        (st.just("/settings/routing/namespaces"), {"namespace_id": NUMBER, "service_id": NUMBER, "route_id": NUMBER}),
        (st.just("/settings/routing/resources"), {"resource_id": NUMBER, "service_id": NUMBER, "route_id": NUMBER}),
        (
            st.tuples(
                path_segments(1), st.sampled_from(["enable", "disable", "default", "vdp"]) | path_segments("x")
            ).map(lambda parts: f"/settings/routing/services/{parts[0]}/{parts[1]}"),
            {},
        ),
        (report.map("/reports/{}/assess".format), {"severity": st.sampled_from(REPORT_SEVERITIES)}),
        (report.map("/reports/{}/status".format), {"status": st.sampled_from(REPORT_STATUSES)}),
        (
            incident.map("/incidents/{}".format),
            {
                "status": st.sampled_from(INCIDENT_STATUSES),
                "severity": st.sampled_from(INCIDENT_SEVERITIES),
                "root_cause": TEXT,
            },
        ),
        (st.just("/webhooks/settings/secrets"), {"secret": TEXT}),
        (st.just("/account"), {"current_password": TEXT, "new_password": TEXT}),
        (
            st.just("/settings/pagerduty/connect"),
            {
                "use_api_token": BOOL,
                "routing_key": TEXT,
                "service_name": TEXT,
                "region": st.sampled_from(["us", "eu"]) | TEXT,
            },
        ),
    ]
    return st.one_of(*(st.tuples(path, form_bodies(fields)) for path, fields in forms))


@pytest.fixture()
def ids(db, org):
    """Real ids for the paths that take one."""
    from webapp.incidents.services import create_incident
    from webapp.reports.services import create_report

    report = create_report(org.id, "Fuzz target", severity="high")
    incident, _ = create_incident(
        org.id, {"kind": "kubernetes", "title": "Fuzz target", "severity": "low", "cluster": "c", "namespace": "n"}
    )
    org.model.vdp_enabled = True
    db.session.commit()
    return {"report": report.id, "incident": incident.id, "member": org.member.id}


@fuzz_settings(60)
@given(data=st.data())
def test_no_settings_form_yields_a_5xx(admin_client, ids, data):
    path, body = data.draw(settings_forms(ids), label="form")
    headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
    response = admin_client.post(path, data=body, content_type=FORM, headers=headers)
    assert response.status_code < 500, (path, response.status_code)


@fuzz_settings(40)
@given(data=st.data())
def test_no_page_or_search_yields_a_5xx(admin_client, ids, data):
    path, names = data.draw(st.sampled_from(PAGES), label="page")
    query = data.draw(query_strings(names or ["x"]), label="query")
    headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
    response = admin_client.get(f"{path}?{query}", headers=headers)
    assert response.status_code < 500, (path, query, response.status_code)


@fuzz_settings(40)
@given(data=st.data())
def test_no_public_form_yields_a_5xx(client, org, ids, data):
    slug = data.draw(st.one_of(st.just(org.slug), path_segments(org.slug)), label="slug")
    login = {"email": st.sampled_from([org.admin_email, "nobody@example.com"]), "password": TEXT, "remember": BOOL}
    path, fields = data.draw(st.sampled_from([(f"/vdp/{slug}", VDP), ("/login", login)]), label="form")
    body = data.draw(form_bodies(fields), label="body")
    response = client.post(path, data=body, content_type=FORM)
    assert response.status_code < 500, (path, response.status_code)
    assert client.get(f"/vdp/{slug}").status_code < 500
