"""The users page: list, add, change role, remove."""

from flask import redirect, render_template, url_for
from flask_htmx import make_response
from flask_login import current_user

from webapp.errors import DomainError
from webapp.extensions import htmx
from webapp.tenancy import admin_required
from webapp.users import bp, services
from webapp.users.forms import AddUserForm, RoleForm


def render_users(form=None, status=200, toast=None):
    """The users page, or only its list section for htmx."""
    users = services.users_of_org(current_user.org_id)
    template = "users/_section.html" if htmx else "users/index.html"
    body = render_template(template, users=users, form=form or AddUserForm(), role_form=RoleForm())
    response = make_response(body, status, trigger={"toast": toast} if toast else None)
    response.headers["Vary"] = "HX-Request"
    return response


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
    if not htmx:
        return redirect(url_for(".index"))
    return render_users(toast={"level": "success", "message": f"Added {user.email}."})


@bp.post("/<id:user_id>/role")
@admin_required
def change_role(user_id):
    """Change a user's role."""
    form = RoleForm()
    if not form.validate_on_submit():
        return render_users(status=422, toast={"level": "danger", "message": "Pick admin or member."})
    try:
        user = services.set_role(current_user.org_id, user_id, form.role.data)
    except DomainError as error:
        return render_users(status=error.status, toast={"level": "danger", "message": error.message})
    return render_users(toast={"level": "success", "message": f"{user.email} is now {user.role}."})


@bp.post("/<id:user_id>/delete")
@admin_required
def delete(user_id):
    """Remove a user (the page asks first)."""
    try:
        user = services.remove_user(current_user.org_id, user_id)
    except DomainError as error:
        return render_users(status=error.status, toast={"level": "danger", "message": error.message})
    return render_users(toast={"level": "success", "message": f"Removed {user.email}."})
