"""What goes inside a PagerDuty event: summary within limits, source, severity, details, links back."""

import json
from collections.abc import Sequence
from typing import Any

from flask import current_app

from webapp.extensions import db
from webapp.models import Incident, Org, Report, WarRoom
from webapp.unit_of_work import held

MAX_SUMMARY = 1024
MAX_EVENT_BYTES = 500 * 1024  # below PagerDuty's 512 KB, leaving room for routing key and envelope
EVENT_LABELS = {
    "new_report": "New report",
    "sla_at_risk": "SLA at risk",
    "sla_breached": "SLA breached",
    "critical_assessed": "Critical severity assessed",
    "war_room": "War room activated",
}


def summary(text: object) -> str:
    """Cut a summary to PagerDuty's 1,024 characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def link(path: str) -> str:
    """An absolute link to a PagerBridge page."""
    return current_app.config["PUBLIC_URL"] + path


def _slug(org_id: int) -> str:
    return held(db.session.get(Org, org_id)).slug


def report_fields(report: Report) -> dict[str, Any]:
    """A report's title, severity, status and SLA, as both PagerDuty's custom details and the API show them."""
    return {
        "title": report.title,
        "severity": report.severity,
        "status": report.status,
        "sla_deadline": report.sla_deadline.isoformat() if report.sla_deadline else None,
        "sla_state": report.sla_state,
    }


def report_payload(report: Report, event_type: str, severity: str, include_sensitive: bool) -> dict[str, Any]:
    """The payload (and links) of a VDP event about one report."""
    details = {"report_id": report.id, **report_fields(report), "link": link(f"/reports/{report.id}")}
    if include_sensitive:
        details.update(description=report.description, researcher_email=report.researcher_email)
    label = EVENT_LABELS.get(event_type, event_type.replace("_", " ").capitalize())
    return fit(
        {
            "payload": {
                "summary": summary(f"[VDP] {label}: {report.title} (severity {report.severity}, report #{report.id})"),
                "source": f"pagerbridge/{_slug(report.org_id)}/vdp",
                "severity": severity,
                "component": "vdp",
                "group": _slug(report.org_id),
                "class": event_type,
                "custom_details": details,
            },
            "links": [{"href": details["link"], "text": f"Report #{report.id} in PagerBridge"}],
            "client": "PagerBridge",
            "client_url": details["link"],
        }
    )


def _text(value: object) -> object:
    return value if isinstance(value, (str, list)) or value is None else str(value)


def incident_payload(incident: Incident, severity: str) -> dict[str, Any]:
    """The payload of a runtime incident event, with root cause, affected resources and remediation steps."""
    where = (
        f"{incident.cluster}/{incident.namespace}"
        if incident.kind == "kubernetes"
        else f"{incident.provider}:{incident.resource_id}"
    )
    details = {
        "incident_id": incident.id,
        "kind": incident.kind,
        "status": incident.status,
        "severity": incident.severity,
        "root_cause": _text(incident.root_cause),
        "affected_resources": _text(incident.affected_resources),
        "remediation_steps": _text(incident.remediation_steps),
        "cluster": incident.cluster,
        "namespace": incident.namespace,
        "provider": incident.provider,
        "resource_id": incident.resource_id,
        "resource_type": incident.resource_type,
        "transient": incident.transient,
        "link": link(f"/incidents/{incident.id}"),
    }
    return fit(
        {
            "payload": {
                "summary": summary(f"[{incident.kind.capitalize()}] {incident.title} ({where})"),
                "source": f"pagerbridge/{_slug(incident.org_id)}/{where}",
                "severity": severity,
                "component": incident.namespace or incident.resource_id or incident.kind,
                "group": incident.cluster or incident.provider or incident.kind,
                "class": incident.resource_type or incident.kind,
                "custom_details": details,
            },
            "links": [{"href": details["link"], "text": f"Incident #{incident.id} in PagerBridge"}],
            "client": "PagerBridge",
            "client_url": details["link"],
        }
    )


def war_room_payload(war_room: WarRoom, reports: Sequence[Report], severity: str) -> dict[str, Any]:
    """The payload of a war-room activation listing the reports at risk or breached."""
    slug = _slug(war_room.org_id)
    details = {
        "activation": war_room.number,
        "reports": [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity,
                "sla_state": r.sla_state,
                "link": link(f"/reports/{r.id}"),
            }
            for r in reports
        ],
        "link": link("/reports/?sla=attention"),
    }
    return fit(
        {
            "payload": {
                "summary": summary(f"[VDP] War room activated: {len(reports)} reports at risk or breached ({slug})"),
                "source": f"pagerbridge/{slug}/vdp",
                "severity": severity,
                "component": "vdp",
                "group": slug,
                "class": "war_room",
                "custom_details": details,
            },
            "links": [{"href": details["link"], "text": "Reports needing attention"}],
            "client": "PagerBridge",
        }
    )


def fit(event: dict[str, Any]) -> dict[str, Any]:
    """Trim custom details, longest values first, until the event is within PagerDuty's size limit."""
    details = event["payload"]["custom_details"]
    while len(json.dumps(event).encode()) > MAX_EVENT_BYTES:
        key = max(details, key=lambda k: len(json.dumps(details[k])))
        text = json.dumps(details[key])
        if len(text) <= 64:
            break
        details[key] = text[: len(text) // 2] + "… [trimmed to fit PagerDuty's 512 KB limit]"
    return event
