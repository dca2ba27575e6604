"""Forms of the Alert rules tab."""

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField

from webapp.orgs.alert_rules import INCIDENT_SEVERITY_ORDER, PD_SEVERITIES, RULE_EVENTS

PD_CHOICES = [(value, value.capitalize()) for value in PD_SEVERITIES]


def rule_form(name: str, rule: dict[str, Any], formdata: MultiDict[str, str] | None = None) -> FlaskForm:
    """A form for one VDP event rule, prefixed by its name."""

    class RuleForm(FlaskForm):
        enabled = BooleanField(RULE_EVENTS[name][0])
        severity = SelectField("Severity", choices=PD_CHOICES)

    return RuleForm(formdata=formdata, prefix=name, data=rule)


class NotificationsForm(FlaskForm):
    """Severity filtering for runtime incidents, the severity mapping and the report toggles."""

    kubernetes = BooleanField("Notify on Kubernetes incidents")
    cloud = BooleanField("Notify on Cloud incidents")
    skip_transient = BooleanField("Skip transient incidents")
    min_severity = SelectField("Minimum severity", choices=[(v, v.capitalize()) for v in INCIDENT_SEVERITY_ORDER])
    map_low = SelectField("Low →", choices=PD_CHOICES)
    map_medium = SelectField("Medium →", choices=PD_CHOICES)
    map_high = SelectField("High →", choices=PD_CHOICES)
    map_critical = SelectField("Critical →", choices=PD_CHOICES)
    auto_resolve_reports = BooleanField("Resolve the PagerDuty incident when a report is resolved or dismissed")
    include_sensitive_details = BooleanField(
        "Include report descriptions and researcher contact in PagerDuty events (may expose unfixed vulnerabilities)"
    )
