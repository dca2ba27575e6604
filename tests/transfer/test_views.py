"""Settings → Import/export: download, preview with a diff per key, apply all or nothing."""

import io
import json

from webapp.orgs.alert_rules import alert_rules
from webapp.sla.policy import sla_policy


def _upload(client, document):
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(
        "/settings/transfer/preview",
        data={"file": (io.BytesIO(raw), "settings.json")},
        content_type="multipart/form-data",
    )


def test_download_is_the_cli_export(admin_client, runner, org):
    response = admin_client.get("/settings/transfer/settings.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    exported = runner.invoke(args=["settings", "export", "--org", org.slug]).output
    assert json.loads(response.get_data(as_text=True)) == json.loads(exported)


def test_preview_lists_changes_and_applies_nothing(admin_client, org):
    document = {"alert_rules": {"new_report": {"enabled": False}}, "sla_policy": {"at_risk_percent": 25}}
    page = _upload(admin_client, document).get_data(as_text=True)
    assert 'data-path="alert_rules.new_report.enabled"' in page and "unchanged" in page
    assert alert_rules(org.id)["new_report"]["enabled"] is True
    applied = admin_client.post("/settings/transfer/apply", data={"document": json.dumps(document)})
    assert applied.status_code == 302
    assert alert_rules(org.id)["new_report"] == {"enabled": False, "severity": "info"}


def test_invalid_file_shows_each_path_and_changes_nothing(admin_client, org):
    document = {"sla_policy": {"hours": {"low": -1}}, "alert_rules": {"new_report": {"severity": "loud"}}, "x": 1}
    response = _upload(admin_client, document)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Apply settings" not in page
    for path in ("sla_policy.hours.low", "alert_rules.new_report.severity", "x"):
        assert f'data-error-path="{path}"' in page
    assert "positive number of hours" in page
    applied = admin_client.post("/settings/transfer/apply", data={"document": json.dumps(document)})
    assert applied.status_code == 422 and sla_policy(org.id)["hours"]["low"] == 336


def test_not_json_and_members(admin_client, member_client):
    response = _upload(admin_client, b"{nope")
    assert response.status_code == 422 and "not valid JSON" in response.get_data(as_text=True)
    assert _upload(admin_client, b"[1]").status_code == 422
    assert member_client.get("/settings/transfer/").status_code == 403


def test_preview_names_services_and_apply_lists_only_what_changed(admin_client, org):
    from tests.conftest import DEFAULT_KEY
    from webapp.extensions import db
    from webapp.models import Service

    db.session.add(Service(org_id=org.id, pd_id="PPAY001", name="Payments", enabled=True, integration_key=DEFAULT_KEY))
    db.session.commit()
    document = {"routing": {"default_service": "PPAY001"}, "sla_policy": {}}
    page = _upload(admin_client, document).get_data(as_text=True)
    assert '<span title="PPAY001" data-service-id="PPAY001">Payments</span>' in page
    applied = admin_client.post("/settings/transfer/apply", data={"document": json.dumps(document)})
    flashed = admin_client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "Applied settings: routing." in flashed  # sla_policy was named but did not change
    again = admin_client.post(
        "/settings/transfer/apply", data={"document": json.dumps(document)}, follow_redirects=True
    )
    assert "Nothing changed" in again.get_data(as_text=True)
