"""Alert rules, incident notification settings, severity mapping and auto-resolve: defaults, reads, validated saves."""

from webapp.audit.services import record_change
from webapp.orgs.services import settings_for
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


def alert_rules(org_id):
    """Every VDP event's {enabled, severity}, defaults filled in."""
    stored = settings_for(org_id).alert_rules or {}
    return {
        name: {
            "enabled": bool(stored.get(name, {}).get("enabled", True)),
            "severity": stored.get(name, {}).get("severity", default),
        }
        for name, (_, _, default) in RULE_EVENTS.items()
    }


def rule_for(org_id, name):
    """One rule: {"enabled", "severity"}."""
    return alert_rules(org_id)[name]


def incident_notifications(org_id):
    """Which runtime incidents page PagerDuty."""
    return {**DEFAULT_NOTIFICATIONS, **(settings_for(org_id).incident_notifications or {})}


def severity_mapping(org_id):
    """Incident severity → PagerDuty severity."""
    return {**DEFAULT_SEVERITY_MAPPING, **(settings_for(org_id).severity_mapping or {})}


def auto_resolve_reports(org_id):
    """Whether closing a report resolves its PagerDuty incident."""
    return settings_for(org_id).auto_resolve_reports


def include_sensitive_details(org_id):
    """Whether report descriptions and researcher identity may go to PagerDuty."""
    return settings_for(org_id).include_sensitive_details


def incident_wanted(org_id, incident):
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


# ----- validation shared by the forms and settings import
def rules_errors(value):
    """Field errors of an alert_rules document."""
    if not isinstance(value, dict):
        return {"": "must be an object"}
    errors = {}
    for name, rule in value.items():
        if name not in RULE_EVENTS:
            errors[name] = "unknown alert rule"
        elif not isinstance(rule, dict) or not isinstance(rule.get("enabled", True), bool):
            errors[name] = 'must be {"enabled": bool, "severity": ...}'
        elif rule.get("severity", "info") not in PD_SEVERITIES:
            errors[f"{name}.severity"] = f"must be one of {', '.join(PD_SEVERITIES)}"
    return errors


def notifications_errors(value):
    """Field errors of an incident_notifications document."""
    if not isinstance(value, dict):
        return {"": "must be an object"}
    errors = {
        key: "must be true or false"
        for key in ("kubernetes", "cloud", "skip_transient")
        if key in value and not isinstance(value[key], bool)
    }
    if "min_severity" in value and value["min_severity"] not in INCIDENT_SEVERITY_ORDER:
        errors["min_severity"] = f"must be one of {', '.join(INCIDENT_SEVERITY_ORDER)}"
    errors.update({key: "unknown setting" for key in value if key not in DEFAULT_NOTIFICATIONS})
    return errors


def mapping_errors(value):
    """Field errors of a severity_mapping document."""
    if not isinstance(value, dict):
        return {"": "must be an object"}
    errors = {key: "unknown incident severity" for key in value if key not in INCIDENT_SEVERITY_ORDER}
    errors.update(
        {
            key: f"must be one of {', '.join(PD_SEVERITIES)}"
            for key, pd in value.items()
            if key in INCIDENT_SEVERITY_ORDER and pd not in PD_SEVERITIES
        }
    )
    return errors


def bool_errors(value):
    """Errors of a boolean setting."""
    return {} if isinstance(value, bool) else {"": "must be true or false"}


# ----- saving
def save_alert_rules(org_id, rules):
    """Store alert rules (merged over the current ones) and audit the change."""
    settings, before = settings_for(org_id), alert_rules(org_id)
    settings.alert_rules = {**before, **rules}
    record_change(org_id, "alert_rules.updated", before, settings.alert_rules)


def save_notifications(org_id, value):
    """Store incident notification settings."""
    before = incident_notifications(org_id)
    settings_for(org_id).incident_notifications = after = {**before, **value}
    record_change(org_id, "incident_notifications.updated", before, after)


def save_severity_mapping(org_id, value):
    """Store the severity mapping."""
    before = severity_mapping(org_id)
    settings_for(org_id).severity_mapping = after = {**before, **value}
    record_change(org_id, "severity_mapping.updated", before, after)


def save_auto_resolve(org_id, value):
    """Store the auto-resolve toggle."""
    before = {"enabled": auto_resolve_reports(org_id)}
    settings_for(org_id).auto_resolve_reports = value
    record_change(org_id, "auto_resolve_reports.updated", before, {"enabled": value})


def save_sensitive_details(org_id, value):
    """Store whether sensitive report details may be sent."""
    before = {"enabled": include_sensitive_details(org_id)}
    settings_for(org_id).include_sensitive_details = value
    record_change(org_id, "include_sensitive_details.updated", before, {"enabled": value})


SETTINGS_SECTIONS = (
    Section("alert_rules", alert_rules, lambda org_id, v: rules_errors(v), save_alert_rules),
    Section(
        "incident_notifications", incident_notifications, lambda org_id, v: notifications_errors(v), save_notifications
    ),
    Section("severity_mapping", severity_mapping, lambda org_id, v: mapping_errors(v), save_severity_mapping),
    Section("auto_resolve_reports", auto_resolve_reports, lambda org_id, v: bool_errors(v), save_auto_resolve),
)
