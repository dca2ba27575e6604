"""The route preview: where an incident would go, and why, before anything is sent."""

from webapp.models import Incident
from webapp.models.work import INCIDENT_KINDS
from webapp.routing.resolve import route_for_incident


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
    return route_for_incident(incident)
