"""Issue 22: settings import is all or nothing and says what failed; documents are bounded in depth; hostile
documents never give a 5xx."""

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import JSON_VALUES, RAW_BODIES, TEXT, fuzz_settings
from webapp.models import Service
from webapp.orgs.alert_rules import alert_rules
from webapp.pagerduty import client as pd_client

DOCUMENT = {
    "alert_rules": {"war_room": {"enabled": False}},
    "routing": {"default_service": "PPLAT01", "vdp_service": "PVDP001"},
}


@pytest.fixture()
def refusing_vdp(db, connected, monkeypatch):
    """Synced services, none configured yet; PagerDuty refuses to configure the VDP service."""
    from webapp.routing import pagerduty_api
    from webapp.routing.sync import run_sync

    run_sync(connected.id)
    db.session.execute(db.update(Service).values(enabled=False, integration_key=None, is_default=False, is_vdp=False))
    db.session.commit()
    real = pagerduty_api.events_integration

    def events_integration(credentials, pd_id):
        if pd_id == "PVDP001":
            raise pd_client.PagerDutyError("Forbidden (403): not allowed", 403)
        return real(credentials, pd_id)

    monkeypatch.setattr(pagerduty_api, "events_integration", events_integration)
    return connected


def _nothing_changed(db, org):
    db.session.expire_all()
    assert alert_rules(org.id)["war_room"]["enabled"] is True
    assert not db.session.scalar(db.select(db.func.count()).select_from(Service).where(Service.enabled.is_(True)))
    assert not db.session.scalar(db.select(db.func.count()).select_from(Service).where(Service.is_default.is_(True)))


def test_a_failing_section_leaves_every_section_as_it_was_and_the_page_says_which(refusing_vdp, admin_client, db):
    response = admin_client.post("/settings/transfer/apply", data={"document": json.dumps(DOCUMENT)})
    page = response.get_data(as_text=True)
    assert response.status_code == 403 or response.status_code == 422, page
    assert "section routing failed" in page and "PagerDuty did not let us configure Security VDP" in page
    _nothing_changed(db, refusing_vdp)


def test_the_cli_says_which_section_failed_and_applies_nothing(refusing_vdp, runner, db, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(DOCUMENT))
    result = runner.invoke(args=["settings", "import", "--org", refusing_vdp.slug, str(path)])
    assert result.exit_code != 0 and "section routing failed" in result.output, result.output
    assert "Security VDP" in result.output
    _nothing_changed(db, refusing_vdp)


def test_a_document_that_pagerduty_accepts_applies_whole(db, connected, admin_client):
    from webapp.routing.sync import run_sync

    run_sync(connected.id)
    response = admin_client.post("/settings/transfer/apply", data={"document": json.dumps(DOCUMENT)})
    assert response.status_code == 302
    db.session.expire_all()
    assert alert_rules(connected.id)["war_room"]["enabled"] is False
    assert db.session.scalar(db.select(Service.pd_id).where(Service.is_default.is_(True))) == "PPLAT01"


DEEP = b"[" * 3000 + b"]" * 3000


def test_a_deeply_nested_document_is_refused_on_upload_apply_and_cli(admin_client, runner, org, tmp_path):
    upload = admin_client.post(
        "/settings/transfer/preview",
        data={"file": (io.BytesIO(DEEP), "settings.json")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 422 and "nested" in upload.get_data(as_text=True)
    applied = admin_client.post("/settings/transfer/apply", data={"document": DEEP.decode()})
    assert applied.status_code == 422
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP)
    result = runner.invoke(args=["settings", "import", "--org", org.slug, str(path)])
    assert result.exit_code == 1 and "nested" in result.output, result.output


SECTIONS = (
    "alert_rules",
    "incident_notifications",
    "severity_mapping",
    "auto_resolve_reports",
    "sla_policy",
    "oncall",
    "routing",
)
DOCUMENTS = st.one_of(
    st.dictionaries(st.sampled_from(SECTIONS) | TEXT, JSON_VALUES, max_size=4).map(lambda d: json.dumps(d).encode()),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    RAW_BODIES,
)


@fuzz_settings(60)
@given(raw=DOCUMENTS, apply=st.booleans())
def test_hostile_import_documents_never_give_a_5xx(admin_client, raw, apply):
    if apply:
        response = admin_client.post("/settings/transfer/apply", data={"document": raw.decode("utf-8", "replace")})
    else:
        response = admin_client.post(
            "/settings/transfer/preview",
            data={"file": (io.BytesIO(raw), "settings.json")},
            content_type="multipart/form-data",
        )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]


def test_a_lone_surrogate_or_nul_in_a_key_is_named_not_a_5xx(admin_client):
    for raw in (b'{"\\ud800": 1}', b'{"alert_rules": {"a\\u0000": {}}}'):
        response = admin_client.post("/settings/transfer/apply", data={"document": raw.decode()})
        assert response.status_code == 422 and "not allowed" in response.get_data(as_text=True)
