"""Forms for adding users and changing roles."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from webapp.models import User
from webapp.schemas import ColumnLength

ROLE_CHOICES = [("member", "Member"), ("admin", "Admin")]


class AddUserForm(FlaskForm):
    """A new user of the org."""

    email = EmailField("Email", validators=[DataRequired(), Email(), ColumnLength(User.email)])
    name = StringField("Name", validators=[Optional(), ColumnLength(User.name)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="member")
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=10, max=200)])


class RoleForm(FlaskForm):
    """A user's role."""

    role = SelectField("Role", choices=ROLE_CHOICES)
