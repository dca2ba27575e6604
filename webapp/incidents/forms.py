"""Forms for moving and editing incidents."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from webapp.models.incident import INCIDENT_SEVERITIES, INCIDENT_STATUSES


class IncidentForm(FlaskForm):
    """Status, severity and root cause, as an admin edits them."""

    status = SelectField("Status", choices=[(s, s.capitalize()) for s in INCIDENT_STATUSES])
    severity = SelectField("Severity", choices=[(s, s.capitalize()) for s in INCIDENT_SEVERITIES])
    root_cause = TextAreaField("Root cause", validators=[Optional(), Length(max=20_000)])
