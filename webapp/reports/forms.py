"""Forms for assessing and triaging reports, and the public VDP form."""

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from webapp.models import Report
from webapp.models.report import REPORT_SEVERITIES, REPORT_STATUSES
from webapp.schemas import ColumnLength


class AssessForm(FlaskForm):
    """A report's severity."""

    severity = SelectField("Severity", choices=[(s, s.replace("-", " ").capitalize()) for s in REPORT_SEVERITIES])


class StatusForm(FlaskForm):
    """A report's triage status."""

    status = SelectField("Status", choices=[(s, s.capitalize()) for s in REPORT_STATUSES])


class SubmitReportForm(FlaskForm):
    """What a researcher sends through an org's public VDP page."""

    title = StringField("Title", validators=[DataRequired(), ColumnLength(Report.title)])
    description = TextAreaField(
        "Description",
        validators=[DataRequired(), Length(max=100_000)],
        description="What is vulnerable, how to reproduce it, and its impact.",
    )
    contact_email = EmailField(
        "Your email", validators=[DataRequired(), Email(), ColumnLength(Report.researcher_email)]
    )
    website = StringField("Leave this empty", validators=[Optional(), Length(max=0)])
