"""The connect form: API token (full features) or routing key (legacy)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import Length, Optional

from webapp.models import Connection
from webapp.schemas import ColumnLength

REGIONS = [("us", "US (api.pagerduty.com)"), ("eu", "EU (api.eu.pagerduty.com)")]


class ConnectForm(FlaskForm):
    """Both methods in one form; `use_api_token` picks which fields count."""

    use_api_token = BooleanField("Use API Token", default=True)
    api_token = PasswordField("PagerDuty API Token", validators=[Optional(), Length(max=200)])
    integration_key = PasswordField(
        "Integration Key for VDP alerts (optional)", validators=[Optional(), Length(max=64)]
    )
    signing_secret = PasswordField("Webhook Signing Secret (optional)", validators=[Optional(), Length(max=200)])
    routing_key = PasswordField("Integration/Routing Key", validators=[Optional(), Length(max=64)])
    service_name = StringField("Service Name", validators=[Optional(), ColumnLength(Connection.service_name)])
    region = SelectField("Region", choices=REGIONS, default="us")
