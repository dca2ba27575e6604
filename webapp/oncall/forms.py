"""On-call forms."""

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField
from wtforms.validators import DataRequired, Optional


class PickForm(FlaskForm):
    """Who is on call (manual mode, or an override), and until when."""

    user_id = SelectField("Person", coerce=int, validators=[DataRequired()])
    # The browser shows the viewer's local time; static/app.js sends it as UTC (data-local-time).
    ends_at = DateTimeLocalField("Until", format="%Y-%m-%dT%H:%M", validators=[Optional()])
