"""Alert rules, incident notification settings, severity mapping and auto-resolve: defaults, reads, validated saves."""

from typing import Annotated, Any, Literal

from pydantic import create_model
from pydantic.types import Strict as StrictType

from webapp.audit.services import record_change
from webapp.models import Incident
from webapp.orgs.services import settings_for
from webapp.schemas import Strict
from webapp.settings_io import Section

PD_SEVERITIES = ("info", "warning", "error", "critical")
INCIDENT_SEVERITY_ORDER = ("low", "medium", "high", "critical")
RULE_EVENTS = {
    "new_report": ("New report submitted", "A researcher submits a vulnerability report", "info"),
    "sla_at_risk": ("SLA at risk", "A report approaches its SLA deadline (checked every 15 min)", "warning"),
    "sla_breached": ("SLA breached", "A report exceeds its SLA deadline", "warning"),
    "critical_assessed": (
        "Critical severity assessed",
        "A report is assessed as critical or super-critical",
        "critical",
    ),
    "war_room": ("War room activated", "2+ reports are simultaneously at-risk or breached", "error"),
}
DEFAULT_NOTIFICATIONS = {"kubernetes": True, "cloud": True, "skip_transient": False, "min_severity": "low"}
DEFAULT_SEVERITY_MAPPING = {"low": "info", "medium": "warning", "high": "error", "critical": "critical"}


def alert_rules(org_id: int) -> dict[str, dict[str, Any]]:
    """Every VDP event's {enabled, severity}, defaults filled in."""
    stored = settings_for(org_id).alert_rules or {}
    return {
        name: {
            "enabled": bool(stored.get(name, {}).get("enabled", True)),
            "severity": stored.get(name, {}).get("severity", default),
        }
        for name, (_, _, default) in RULE_EVENTS.items()
    }


def rule_for(org_id: int, name: str) -> dict[str, Any]:
    """One rule: {"enabled", "severity"}."""
    return alert_rules(org_id)[name]


def incident_notifications(org_id: int) -> dict[str, Any]:
    """Which runtime incidents page PagerDuty."""
    return {**DEFAULT_NOTIFICATIONS, **(settings_for(org_id).incident_notifications or {})}


def severity_mapping(org_id: int) -> dict[str, str]:
    """Incident severity → PagerDuty severity."""
    return {**DEFAULT_SEVERITY_MAPPING, **(settings_for(org_id).severity_mapping or {})}


def auto_resolve_reports(org_id: int) -> bool:
    """Whether closing a report resolves its PagerDuty incident."""
    return settings_for(org_id).auto_resolve_reports


def include_sensitive_details(org_id: int) -> bool:
    """Whether report descriptions and researcher identity may go to PagerDuty."""
    return settings_for(org_id).include_sensitive_details


def rule_off_reason(name: str) -> str:
    """Why an event of a switched-off rule paged nobody."""
    return f"the “{RULE_EVENTS[name][0]}” alert rule is off"


def incident_wanted(org_id: int, incident: Incident) -> tuple[bool, str]:
    """Whether the notification settings let this incident page PagerDuty, and why not."""
    settings = incident_notifications(org_id)
    if not settings.get(incident.kind, True):
        return False, f"{incident.kind.capitalize()} incidents are switched off in the notification settings"
    if settings["skip_transient"] and incident.transient:
        return False, "Transient incidents are skipped"
    order = INCIDENT_SEVERITY_ORDER
    if order.index(incident.severity) < order.index(settings["min_severity"]):
        return False, f"Below the minimum severity ({settings['min_severity']})"
    return True, ""


# ----- the declared shapes of settings import
PdSeverity = Literal[PD_SEVERITIES]  # type: ignore[valid-type]  # the words, from the one tuple


class Rule(Strict):
    """One VDP event's rule; what is left out keeps its current value."""

    # Left out keeps the current value; a null is refused all the same (so the annotation says bool).
    enabled: bool = None  # type: ignore[assignment]
    severity: PdSeverity = None


AlertRules = create_model(  # type: ignore[call-overload]
    "AlertRules", __base__=Strict, **dict.fromkeys(RULE_EVENTS, (Rule, None))
)


class IncidentNotifications(Strict):
    """Which runtime incidents page PagerDuty."""

    kubernetes: bool = None  # type: ignore[assignment]
    cloud: bool = None  # type: ignore[assignment]
    skip_transient: bool = None  # type: ignore[assignment]
    min_severity: Literal[INCIDENT_SEVERITY_ORDER] = None  # type: ignore[valid-type]


SeverityMapping = create_model(  # type: ignore[call-overload]
    "SeverityMapping", __base__=Strict, **dict.fromkeys(INCIDENT_SEVERITY_ORDER, (PdSeverity, None))
)


# ----- saving
def save_alert_rules(org_id: int, rules: dict[str, dict[str, Any]]) -> None:
    """Store alert rules (each merged over the current one) and audit what changed."""
    settings, before = settings_for(org_id), alert_rules(org_id)
    settings.alert_rules = {**before, **{name: {**before[name], **rule} for name, rule in rules.items()}}
    record_change(org_id, "alert_rules.updated", before, settings.alert_rules)


def save_notifications(org_id: int, value: dict[str, Any]) -> None:
    """Store incident notification settings."""
    before = incident_notifications(org_id)
    settings_for(org_id).incident_notifications = after = {**before, **value}
    record_change(org_id, "incident_notifications.updated", before, after)


def save_severity_mapping(org_id: int, value: dict[str, str]) -> None:
    """Store the severity mapping."""
    before = severity_mapping(org_id)
    settings_for(org_id).severity_mapping = after = {**before, **value}
    record_change(org_id, "severity_mapping.updated", before, after)


def save_auto_resolve(org_id: int, value: bool) -> None:
    """Store the auto-resolve toggle."""
    before = {"enabled": auto_resolve_reports(org_id)}
    settings_for(org_id).auto_resolve_reports = value
    record_change(org_id, "auto_resolve_reports.updated", before, {"enabled": value})


def save_sensitive_details(org_id: int, value: bool) -> None:
    """Store whether sensitive report details may be sent."""
    before = {"enabled": include_sensitive_details(org_id)}
    settings_for(org_id).include_sensitive_details = value
    record_change(org_id, "include_sensitive_details.updated", before, {"enabled": value})


SETTINGS_SECTIONS = (
    Section("alert_rules", alert_rules, AlertRules, save_alert_rules),
    Section("incident_notifications", incident_notifications, IncidentNotifications, save_notifications),
    Section("severity_mapping", severity_mapping, SeverityMapping, save_severity_mapping),
    Section("auto_resolve_reports", auto_resolve_reports, Annotated[bool, StrictType()], save_auto_resolve),
)
