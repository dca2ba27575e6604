"""The form that names a new API token."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from webapp.models import ApiToken
from webapp.schemas import ColumnLength


class NewTokenForm(FlaskForm):
    """A name saying what the token is for."""

    name = StringField("Name", validators=[DataRequired(), ColumnLength(ApiToken.name)])
