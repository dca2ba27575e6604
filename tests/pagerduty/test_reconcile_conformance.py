"""Reconciliation asks PagerDuty only what its OpenAPI file defines, and reads acknowledgements as shaped there."""

from datetime import timedelta

from tests.pagerduty.test_conformance import (  # noqa: F401 - fixtures
    API,
    SPECS,
    incident,
    linked,
    page,
    pd,
    pytestmark,
    query,
    ref,
)
from webapp.models import Report, TimelineEntry
from webapp.models.types import utcnow


def quiet_report(db, org_id, title="IDOR"):
    report = Report(org_id=org_id, title=title, pd_status="triggered", updated_at=utcnow() - timedelta(minutes=30))
    db.session.add(report)
    db.session.commit()
    return report


def acknowledged(pd_id, key):
    body = incident(pd_id, key) | {"status": "acknowledged", "last_status_change_at": "2026-01-05T10:05:00Z"}
    agent = ref("user", "PUSER01", "users") | {"summary": "Earline Greenholt"}
    return body | {
        "acknowledgements": [{"at": "2026-01-05T10:05:00Z", "acknowledger": agent}],
        "last_status_change_by": agent,
    }


def notes(*contents):
    """GET /incidents/{id}/notes as PagerDuty's file shows it."""
    user = ref("user", "PXPGF42", "users") | {"summary": "Earline Greenholt"}
    return {
        "notes": [
            {
                "id": f"PNOTE0{n}",
                "user": user,
                "channel": {"summary": "The PagerDuty website or APIs"},
                "content": content,
                "created_at": "2026-01-05T10:06:00Z",
            }
            for n, content in enumerate(contents)
        ]
    }


def test_one_listing_of_the_window_reads_every_quiet_incident(db, pd, linked):  # noqa: F811
    from webapp.webhooks.reconcile import reconcile_org

    report = quiet_report(db, linked.id)
    pd.answer("GET", "/incidents", page("incidents", [acknowledged("PINC001", f"report-{report.id}")], total=1))
    pd.answer("GET", "/incidents/PINC001/notes", notes("Firefighters are on the scene."))
    lines = reconcile_org(linked.id)
    assert lines[0].endswith("checked with 2 calls: 1 updated")  # the incidents, and the notes of the one found
    asked = query(pd.calls("GET", "/incidents")[0])
    assert set(asked) == {"since", "until", "limit", "offset", "total"} and asked["limit"] == ["100"]
    entry = db.session.scalar(db.select(TimelineEntry).filter_by(report_id=report.id, kind="pagerduty.acknowledged"))
    assert entry.message == "Acknowledged via PagerDuty (found by reconciliation) by Earline Greenholt."
    assert entry.at.isoformat().startswith("2026-01-05T10:05")
    note = db.session.scalar(db.select(TimelineEntry).filter_by(report_id=report.id, kind="pagerduty.note"))
    assert note.message == "Note in PagerDuty by Earline Greenholt: Firefighters are on the scene."
    assert pd.verify() == 3


def test_asking_by_key_when_the_window_is_crowded(db, pd, linked):  # noqa: F811
    from webapp.webhooks.reconcile import reconcile_org

    report = quiet_report(db, linked.id)

    def answer(request):
        if "incident_key" in query(request):
            return page("incidents", [acknowledged("PINC002", f"report-{report.id}")], total=None)
        return page("incidents", [incident("POTHER1", "other")], more=True, total=5000)

    pd.answer("GET", "/incidents", answer)
    pd.answer("GET", "/incidents/PINC002/notes", notes())
    assert reconcile_org(linked.id)[0].endswith("checked with 3 calls: 1 updated")
    by_key = query(pd.calls("GET", "/incidents")[1])
    assert by_key == {
        "incident_key": [f"report-{report.id}"],
        "date_range": ["all"],
        "sort_by": ["created_at:desc"],
        "limit": ["1"],
    }
    assert db.session.get(Report, report.id).pd_status == "acknowledged"
    assert pd.verify() == 4
