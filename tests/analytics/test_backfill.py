"""The migrations fill in existing reports, incidents and war rooms from the delivery log and the timelines."""

from datetime import UTC, datetime, timedelta

from flask_migrate import downgrade, upgrade

from webapp.models import Delivery, Incident, Report, TimelineEntry, WarRoom

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_upgrade_backfills_from_deliveries_and_timelines(app, db, org):
    report = Report(org_id=org.id, title="old", submitted_at=T0, pd_status="resolved")
    incident = Incident(
        org_id=org.id, kind="cloud", title="old", severity="low", created_at=T0, pd_status="acknowledged"
    )
    db.session.add_all([report, incident])
    db.session.flush()
    for subject_type, subject, minutes in (("report", report, 2), ("incident", incident, 1)):
        for n, status in enumerate(("failed", "delivered", "delivered")):  # the first accepted trigger counts
            db.session.add(
                Delivery(
                    org_id=org.id,
                    action="trigger",
                    event_type="new_report",
                    subject_type=subject_type,
                    subject_id=subject.id,
                    dedup_key=f"{subject_type}-{subject.id}",
                    severity=("critical", "error", "info")[n],
                    target_label=("Wrong", "Security VDP", "Later")[n],
                    status=status,
                    delivered_at=T0 + timedelta(minutes=minutes + n) if status == "delivered" else None,
                )
            )
    entries = [
        (report, "pagerduty.acknowledged", 20, "Bob"),
        (report, "pagerduty.acknowledged", 10, "Ada"),
        (report, "pagerduty.resolved", 30, "Ada"),
        (report, "pagerduty.resolved", 50, "Ada"),
        (incident, "pagerduty.acknowledged", 5, "Carol"),
        (incident, "pagerduty.resolved", 6, "Carol"),  # since reopened: pd_status is acknowledged
    ]
    for subject, kind, minutes, who in entries:
        column = "report_id" if subject is report else "incident_id"
        db.session.add(
            TimelineEntry(
                org_id=org.id,
                kind=kind,
                message="m",
                actor=who,
                at=T0 + timedelta(minutes=minutes),
                **{column: subject.id},
            )
        )
    db.session.commit()
    report_id, incident_id = report.id, incident.id
    db.session.remove()
    downgrade(revision="vocab_0001")
    upgrade()
    report, incident = db.session.get(Report, report_id), db.session.get(Incident, incident_id)
    assert (report.pd_paged_at, report.pd_service, report.pd_severity) == (
        T0 + timedelta(minutes=3),
        "Security VDP",
        "error",
    )
    assert (report.pd_acknowledged_at, report.pd_acknowledged_by) == (T0 + timedelta(minutes=10), "Ada")
    assert report.pd_resolved_at == T0 + timedelta(minutes=50)
    assert (report.pd_page_seconds, report.pd_ack_seconds, report.pd_resolve_seconds) == (180, 420, 2820)
    assert (incident.pd_paged_at, incident.pd_acknowledged_by, incident.pd_resolved_at) == (
        T0 + timedelta(minutes=2),
        "Carol",
        None,
    )
    assert (incident.pd_page_seconds, incident.pd_ack_seconds, incident.pd_resolve_seconds) == (120, 180, None)


def test_upgrade_backfills_war_rooms_from_their_dedup_keys(app, db, org):
    from tests.factories import org_with_users

    other = org_with_users(slug=f"{org.slug}-1")  # its key war-room-<slug>-1-1 must not match ours
    rooms = [WarRoom(org_id=o.id, number=1, report_ids=[], activated_at=T0, ended_at=T0) for o in (org, other)]
    rooms.append(WarRoom(org_id=org.id, number=2, report_ids=[], activated_at=T0))  # never accepted by PagerDuty
    db.session.add_all(rooms)
    sent = [
        (org, f"war-room-{org.slug}-1", "delivered", 2, "Security VDP"),
        (org, f"war-room-{org.slug}-1", "delivered", 4, "Later"),  # a retrigger: the first accepted one counts
        (other, f"war-room-{other.slug}-1", "delivered", 7, "Theirs"),
        (org, f"war-room-{org.slug}-2", "failed", None, "Security VDP"),
    ]
    for owner, key, status, minutes, label in sent:
        db.session.add(
            Delivery(
                org_id=owner.id,
                action="trigger",
                event_type="war_room",
                dedup_key=key,
                severity="error",
                target_label=label,
                status=status,
                delivered_at=T0 + timedelta(minutes=minutes) if minutes else None,
            )
        )
    db.session.commit()
    ids = [room.id for room in rooms]
    db.session.remove()
    downgrade(revision="analytics_response_record")
    upgrade()
    ours, theirs, unsent = (db.session.get(WarRoom, room_id) for room_id in ids)
    assert (ours.pd_paged_at, ours.pd_service, ours.pd_severity, ours.pd_page_seconds) == (
        T0 + timedelta(minutes=2),
        "Security VDP",
        "error",
        120,
    )
    assert (theirs.pd_paged_at, theirs.pd_service, theirs.pd_page_seconds) == (T0 + timedelta(minutes=7), "Theirs", 420)
    assert (unsent.pd_paged_at, unsent.pd_page_seconds, ours.pd_acknowledged_at) == (None, None, None)
