"""Forms for adding users and changing roles."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

ROLE_CHOICES = [("member", "Member"), ("admin", "Admin")]


class AddUserForm(FlaskForm):
    """A new user of the org."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="member")
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=10, max=200)])


class RoleForm(FlaskForm):
    """A user's role."""

    role = SelectField("Role", choices=ROLE_CHOICES)
