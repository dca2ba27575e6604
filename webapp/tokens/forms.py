"""The form that names a new API token."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class NewTokenForm(FlaskForm):
    """A name saying what the token is for."""

    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
