"""The users page: list, add, change role, remove."""

from flask import redirect, url_for
from flask_login import current_user

from webapp.errors import DomainError
from webapp.hx import render, wants_fragment
from webapp.tenancy import admin_required
from webapp.users import bp, services
from webapp.users.forms import AddUserForm, RoleForm


def render_users(form=None, status=200, level="success", message=None):
    """The users page, or only its section when htmx swaps it."""
    return render(
        "users/index.html",
        "users/_section.html",
        "users-section",
        status=status,
        level=level,
        message=message,
        users=services.users_of_org(current_user.org_id),
        form=form or AddUserForm(),
        role_form=RoleForm(),
    )


@bp.get("/")
@admin_required
def index():
    """List the org's users."""
    return render_users()


@bp.post("/")
@admin_required
def create():
    """Add a user."""
    form = AddUserForm()
    if not form.validate_on_submit():
        return render_users(form, 422)
    try:
        user = services.create_user(
            current_user.org_id, form.email.data, form.role.data, form.password.data, form.name.data
        )
    except DomainError as error:
        for field, message in error.fields.items():
            getattr(form, field).errors.append(message)
        return render_users(form, error.status)
    if not wants_fragment("users-section"):
        return redirect(url_for(".index"))
    return render_users(message=f"Added {user.email}.")


@bp.post("/<id:user_id>/role")
@admin_required
def change_role(user_id):
    """Change a user's role."""
    form = RoleForm()
    if not form.validate_on_submit():
        return render_users(status=422, level="danger", message="Pick admin or member.")
    try:
        user = services.set_role(current_user.org_id, user_id, form.role.data)
    except DomainError as error:
        return render_users(status=error.status, level="danger", message=error.message)
    return render_users(message=f"{user.email} is now {user.role}.")


@bp.post("/<id:user_id>/delete")
@admin_required
def delete(user_id):
    """Remove a user (the page asks first)."""
    try:
        user = services.remove_user(current_user.org_id, user_id)
    except DomainError as error:
        return render_users(status=error.status, level="danger", message=error.message)
    return render_users(message=f"Removed {user.email}.")
