"""SLA deadlines, the evaluator's transitions (each once) and the war room."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import VDP_KEY, wait_for
from webapp.models import Report, TimelineEntry, WarRoom
from webapp.reports.services import assess_report, create_report, set_report_status
from webapp.sla.evaluator import evaluate

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def kinds(db, report_id):
    return db.session.scalars(db.select(TimelineEntry.kind).filter_by(report_id=report_id)).all()


def make(org, severity="critical", at=T0):
    with time_machine.travel(at, tick=False):
        return create_report(org.id, f"{severity} report", severity=severity)


def test_deadline_follows_severity_and_reassessment(db, org):
    report = make(org, "critical")
    assert report.sla_deadline == T0 + timedelta(hours=24)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assess_report(org.id, report.id, "low")
    assert report.sla_deadline == T0 + timedelta(hours=336) and report.sla_state == "ok"


def test_at_risk_then_breached_each_once(db, org):
    report = make(org)
    with time_machine.travel(T0 + timedelta(hours=17), tick=False):
        assert evaluate()["at_risk"] == []
    with time_machine.travel(T0 + timedelta(hours=19), tick=False):
        assert evaluate()["at_risk"] == [report.id]
        assert evaluate()["at_risk"] == []
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        assert evaluate()["breached"] == [report.id]
        assert evaluate()["breached"] == []
    db.session.expire_all()
    assert db.session.get(Report, report.id).sla_state == "breached"
    assert kinds(db, report.id).count("sla.at_risk") == 1 and kinds(db, report.id).count("sla.breached") == 1


def test_jumping_straight_to_breach_fires_only_the_breach(db, org):
    report = make(org)
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        result = evaluate()
    assert result["breached"] == [report.id] and result["at_risk"] == []


def test_closed_reports_leave_tracking(db, org):
    report = make(org)
    set_report_status(org.id, report.id, "resolved")
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert evaluate()["breached"] == []


def test_reassessment_into_breach_fires_at_once(db, org):
    report = make(org, "none")
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        assess_report(org.id, report.id, "critical")
        assert report.sla_state == "breached" and "sla.breached" in kinds(db, report.id)
        assert evaluate()["breached"] == []


def test_concurrent_evaluators_fire_once(app, db, org):
    reports = [make(org) for _ in range(5)]
    results = []

    def run():
        with app.app_context():
            with time_machine.travel(T0 + timedelta(days=2), tick=False):
                results.append(evaluate()["breached"])
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = sorted(rid for result in results for rid in result)
    assert fired == sorted(r.id for r in reports)


def test_war_room_activates_lists_ends_and_reactivates(app, db, org):
    first, second = make(org), make(org)
    with time_machine.travel(T0 + timedelta(hours=19), tick=False):
        result = evaluate()
    assert [room.number for room in result["war_rooms_activated"]] == [1]
    room = db.session.scalar(db.select(WarRoom))
    assert sorted(room.report_ids) == sorted([first.id, second.id])
    from webapp.layout import BANNER_PROVIDERS

    with app.test_request_context():
        banners = [b for provider in BANNER_PROVIDERS for b in provider(org.id) if b.get("kind") == "war-room"]
    assert "War room #1" in banners[0]["message"] and first.title in banners[0]["message"]
    set_report_status(org.id, first.id, "resolved")
    with time_machine.travel(T0 + timedelta(hours=20), tick=False):
        assert [r.number for r in evaluate()["war_rooms_ended"]] == [1]
        assert evaluate()["war_rooms_ended"] == []
    make(org, at=T0 + timedelta(hours=1))
    with time_machine.travel(T0 + timedelta(hours=21), tick=False):
        assert [r.number for r in evaluate()["war_rooms_activated"]] == [2]


def test_at_risk_by_hours_left(db, org):
    from webapp.settings_io import export_settings
    from webapp.transfer.services import import_settings

    import_settings(org.id, {"sla_policy": {"at_risk_hours": 2}})
    assert export_settings(org.id)["sla_policy"]["at_risk_hours"] == 2
    report = make(org)  # critical: 24 hours, at risk in the last 2
    with time_machine.travel(T0 + timedelta(hours=21), tick=False):
        assert evaluate()["at_risk"] == []
    with time_machine.travel(T0 + timedelta(hours=22, minutes=30), tick=False):
        assert evaluate()["at_risk"] == [report.id]


def test_policy_validation_and_import(db, org):
    from webapp.errors import DomainError
    from webapp.settings_io import export_settings
    from webapp.transfer.services import import_settings

    import_settings(org.id, {"sla_policy": {"hours": {"critical": 12.5}, "at_risk_percent": 40}})
    exported = export_settings(org.id)["sla_policy"]
    assert exported["hours"]["critical"] == 12.5 and exported["at_risk_percent"] == 40
    assert set(exported) == {"hours", "at_risk_percent"}  # the contract's shape while hours-left is unused
    with pytest.raises(DomainError) as error:
        import_settings(
            org.id, {"sla_policy": {"hours": {"critical": -1, "urgent": 2}, "at_risk_percent": 0, "at_risk_hours": -4}}
        )
    assert {
        "sla_policy.hours.critical",
        "sla_policy.hours.urgent",
        "sla_policy.at_risk_percent",
        "sla_policy.at_risk_hours",
    } <= set(error.value.fields)


def test_sandbox_gets_one_at_risk_one_breach_and_the_war_room(worker, db, connected, pd):
    reports = [make(connected) for _ in range(2)]
    for hours in (19, 19.5, 25, 26):
        with time_machine.travel(T0 + timedelta(hours=hours), tick=False):
            evaluate()
    for report in reports:
        events = wait_for(
            lambda r=report: (
                len(pd.state.received_events(dedup_key=f"report-{r.id}")) == 3
                and pd.state.received_events(dedup_key=f"report-{r.id}")
            )
        )
        classes = [e["body"]["payload"]["class"] for e in events]
        assert classes == ["new_report", "sla_at_risk", "sla_breached"]
        assert {e["routing_key"] for e in events} == {VDP_KEY}
    war = wait_for(lambda: pd.state.received_events(dedup_key=f"war-room-{connected.slug}-1"))
    assert war[0]["body"]["payload"]["severity"] == "error"
    for report in reports:
        set_report_status(connected.id, report.id, "resolved")
    with time_machine.travel(T0 + timedelta(hours=27), tick=False):
        evaluate()
    wait_for(
        lambda: (
            [e["event_action"] for e in pd.state.received_events(dedup_key=f"war-room-{connected.slug}-1")]
            == ["trigger", "resolve"]
        )
    )
