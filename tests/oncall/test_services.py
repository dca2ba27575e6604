"""On-call sync against rotating sandbox schedules, overrides, modes and assignment."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import PD_TOKEN, wait_for
from webapp.errors import DomainError
from webapp.models import OnCallSettings, Shift
from webapp.oncall import services
from webapp.oncall.sync import sync_oncall

HOUR = 3600


@pytest.fixture()
def rota(db, connected, pd_account):
    """A schedule rotating hourly between the org's admin and member (member's email in other case)."""
    account = pd_account.state.accounts[PD_TOKEN]
    account.users += [
        {"id": "PADMIN1", "name": "Admin", "email": connected.admin_email},
        {"id": "PMEMBER", "name": "Member", "email": connected.member_email.upper()},
        {"id": "PGHOST1", "name": "Ghost", "email": "ghost@example.com"},
    ]
    start = (int(time.time()) // HOUR) * HOUR
    account.schedules.append(
        {"id": "PROTA01", "name": "Rota", "user_ids": ["PADMIN1", "PMEMBER"], "shift_seconds": HOUR, "start": start}
    )
    account.schedules.append(
        {"id": "PGHOSTS", "name": "Ghosts", "user_ids": ["PGHOST1"], "shift_seconds": HOUR, "start": start}
    )
    services.set_mode(connected.id, "pagerduty", "PROTA01", "Rota")
    return datetime.fromtimestamp(start, UTC)


def current_email(org_id):
    shift = services.current_shift(org_id)
    return shift.user.email if shift else None


def test_handover_at_the_shift_boundary_and_case_insensitive_match(db, connected, rota):
    with time_machine.travel(rota + timedelta(minutes=10), tick=False):
        sync_oncall(connected.id)
        assert current_email(connected.id) == connected.admin_email
        rows = db.session.scalar(db.select(db.func.count()).select_from(Shift))
        assert "still on call" in sync_oncall(connected.id)
        assert db.session.scalar(db.select(db.func.count()).select_from(Shift)) == rows
    with time_machine.travel(rota + timedelta(minutes=70), tick=False):
        sync_oncall(connected.id)
        assert current_email(connected.id) == connected.member_email
        assert len(db.session.get(OnCallSettings, connected.id).upcoming) >= 2


def test_unknown_email_keeps_the_previous_shift_and_warns(db, connected, rota, runner):
    with time_machine.travel(rota + timedelta(minutes=10), tick=False):
        sync_oncall(connected.id)
        services.set_mode(connected.id, "pagerduty", "PGHOSTS", "Ghosts")
        assert "matches no user" in sync_oncall(connected.id)
    assert current_email(connected.id) == connected.admin_email
    settings = db.session.get(OnCallSettings, connected.id)
    assert settings.unmatched_email == "ghost@example.com" and settings.unmatched_name == "Ghost"
    status = runner.invoke(args=["pagerduty", "status", "--org", connected.slug])
    assert "ghost@example.com" in status.output


def test_override_lasts_until_the_next_sync(db, connected, rota):
    with time_machine.travel(rota + timedelta(minutes=10), tick=False):
        sync_oncall(connected.id)
        services.set_manual(connected.id, connected.member.id)
        assert services.current_shift(connected.id).source == "override"
        sync_oncall(connected.id)
        assert current_email(connected.id) == connected.admin_email
        assert services.current_shift(connected.id).source == "pagerduty"


def test_modes_and_manual_end(db, org):
    with pytest.raises(DomainError):
        services.set_mode(org.id, "pagerduty")
    ends = datetime.now(UTC) + timedelta(hours=1)
    shift = services.set_manual(org.id, org.member.id, ends)
    assert shift.source == "manual" and current_email(org.id) == org.member_email
    with time_machine.travel(ends + timedelta(minutes=1)):
        assert services.current_shift(org.id) is None
    with pytest.raises(DomainError):
        services.set_manual(org.id, org.member.id, datetime.now(UTC) - timedelta(hours=1))


def test_new_reports_are_assigned_to_whoever_is_on_call(api, db, org):
    assert api.post("/reports", json={"title": "a"}).json["assignee_email"] is None
    services.set_manual(org.id, org.member.id)
    report = api.post("/reports", json={"title": "b"}).json
    assert report["assignee_email"] == org.member_email
    assert any("Assigned to" in entry["message"] for entry in report["timeline"])


def test_refused_token_marks_the_connection_and_keeps_the_shift(db, connected, rota, pd_account):
    sync_oncall(connected.id)
    before = current_email(connected.id)
    pd_account.state.add_fault("401", count=1, scope="rest")
    assert sync_oncall(connected.id).startswith("kept the current shift")
    assert current_email(connected.id) == before
    from webapp.health.badge import status_badge

    assert status_badge(connected.id)["state"] == "error"


def test_periodic_job_syncs_through_the_worker(worker, db, connected, rota):
    from jobs.oncall import sync_all

    assert sync_all() == 1
    assert wait_for(lambda: (db.session.expire_all(), current_email(connected.id))[1]) is not None


def test_settings_roundtrip(db, connected, rota):
    from webapp.settings_io import export_settings
    from webapp.transfer.services import import_settings

    assert export_settings(connected.id)["oncall"] == {"mode": "pagerduty", "schedule": "PROTA01"}
    import_settings(connected.id, {"oncall": {"mode": "manual", "schedule": "PROTA01"}})
    assert db.session.get(OnCallSettings, connected.id).mode == "manual"
    with pytest.raises(DomainError):
        import_settings(connected.id, {"oncall": {"mode": "sometimes"}})


def test_shift_based_schedule_is_read_through_the_v3_api(db, connected, pd_account):
    account = pd_account.state.accounts[PD_TOKEN]
    account.users.append({"id": "PMEMBER", "name": "Member", "email": connected.member_email})
    start = (int(time.time()) // HOUR) * HOUR
    account.v3_schedules.append(
        {"id": "PSHIFT1", "name": "Shifts", "user_ids": ["PMEMBER"], "shift_seconds": HOUR, "start": start}
    )
    services.set_mode(connected.id, "pagerduty", "PSHIFT1", "Shifts")
    with time_machine.travel(datetime.fromtimestamp(start, UTC) + timedelta(minutes=10), tick=False):
        assert sync_oncall(connected.id).startswith(f"{connected.member_email} now on call")
    assert services.current_shift(connected.id).pd_user_id == "PMEMBER"
