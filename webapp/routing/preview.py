"""The route preview: where an incident would go, and why, before anything is sent."""

from dataclasses import dataclass

from webapp.models import Incident
from webapp.models.incident import INCIDENT_KINDS
from webapp.routing.resolve import outlook, route_for_incident


@dataclass(frozen=True)
class Preview:
    """The resolver's Route, and what would hold it back even so (paused, or filtered out), in words."""

    routing_key: str | None
    label: str
    reason: str
    held: str | None = None
    hold: str = ""


def explain(org_id, args):
    """The Route for a hypothetical incident described by form values (nothing is stored)."""
    kind = args.get("kind") if args.get("kind") in INCIDENT_KINDS else "kubernetes"
    incident = Incident(
        org_id=org_id,
        kind=kind,
        title="preview",
        severity="high",
        cluster=(args.get("cluster") or "").strip() or None,
        namespace=(args.get("namespace") or "").strip() or None,
        provider=args.get("provider") if args.get("provider") in ("aws", "oci") else None,
        resource_id=(args.get("resource_id") or "").strip() or None,
    )
    route = outlook(org_id, route_for_incident(incident), incident)
    return Preview(route.routing_key, route.label, route.reason, route.held, route.hold)
