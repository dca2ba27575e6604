"""Fuzzing the JSON API: whatever the body, path or query, the answer is never a 5xx and errors keep the contract."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import TEXT, fuzz_settings, json_bodies, path_segments, query_strings
from webapp.models.incident import INCIDENT_KINDS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, PROVIDERS
from webapp.models.report import REPORT_SEVERITIES, REPORT_STATUSES

TEXTS = st.one_of(TEXT, st.lists(TEXT, max_size=3))
REPORT = {"title": TEXT, "description": TEXT, "researcher_email": TEXT, "severity": st.sampled_from(REPORT_SEVERITIES)}
DETAILS = {"root_cause": TEXT, "affected_resources": TEXTS, "remediation_steps": TEXTS}
INCIDENT = {
    "kind": st.sampled_from(INCIDENT_KINDS),
    "title": TEXT,
    "severity": st.sampled_from(INCIDENT_SEVERITIES),
    "transient": st.booleans(),
    "cluster": TEXT,
    "namespace": TEXT,
    "provider": st.sampled_from(PROVIDERS),
    "resource_id": TEXT,
    "resource_type": TEXT,
    "external_id": TEXT,
    **DETAILS,
}
CHANGES = {"status": st.sampled_from(INCIDENT_STATUSES), "severity": st.sampled_from(INCIDENT_SEVERITIES), **DETAILS}
CLUSTER = st.fixed_dictionaries({"name": TEXT}, optional={"namespaces": st.lists(TEXT, max_size=3)})
RESOURCE = st.fixed_dictionaries(
    {"provider": st.sampled_from(PROVIDERS), "resource_id": TEXT, "resource_type": TEXT},
    optional={"name": TEXT, "region": TEXT},
)
INVENTORY = {"clusters": st.lists(CLUSTER, max_size=3), "cloud_resources": st.lists(RESOURCE, max_size=3)}
CONTENT_TYPES = st.sampled_from(["application/json"] * 6 + ["text/plain", "application/json; charset=latin-1", ""])


@pytest.fixture()
def targets(db, org):
    """A report and an incident of the org, for the endpoints that take an id."""
    from webapp.incidents.services import create_incident
    from webapp.reports.services import create_report

    report = create_report(org.id, "Fuzz target", severity="high")
    incident, _ = create_incident(
        org.id, {"kind": "cloud", "title": "Fuzz target", "severity": "high", "provider": "aws", "resource_id": "b"}
    )
    db.session.commit()
    return report.id, incident.id


def requests_for(report_id, incident_id):
    """(method, path, body) for every API endpoint, with hostile parts."""
    report, incident = path_segments(report_id), path_segments(incident_id)
    return st.one_of(
        st.tuples(st.just("POST"), st.just("/reports"), json_bodies(REPORT)),
        st.tuples(st.just("POST"), st.just("/incidents"), json_bodies(INCIDENT)),
        st.tuples(st.just("PUT"), st.just("/inventory"), json_bodies(INVENTORY)),
        st.tuples(st.just("PATCH"), incident.map("/incidents/{}".format), json_bodies(CHANGES)),
        st.tuples(
            st.just("POST"),
            report.map("/reports/{}/assessment".format),
            json_bodies({"severity": st.sampled_from(REPORT_SEVERITIES)}),
        ),
        st.tuples(
            st.just("POST"),
            report.map("/reports/{}/status".format),
            json_bodies({"status": st.sampled_from(REPORT_STATUSES)}),
        ),
        st.tuples(st.just("GET"), report.map("/reports/{}".format), st.just(b"")),
        st.tuples(st.just("GET"), incident.map("/incidents/{}".format), st.just(b"")),
        st.tuples(
            st.just("GET"), query_strings(["status", "action", "limit"]).map("/deliveries?{}".format), st.just(b"")
        ),
    )


@fuzz_settings(75)
@given(data=st.data())
def test_no_api_request_yields_a_5xx(api, targets, data):
    method, path, body = data.draw(requests_for(*targets), label="request")
    content_type = data.draw(CONTENT_TYPES, label="content type")
    headers = api._headers({"Content-Type": content_type} if content_type else None)
    response = api.client.open("/api/v1" + path, method=method, data=body, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert set(response.json["error"]) == {"code", "message", "fields"}
