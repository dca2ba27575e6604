"""Settings → API tokens: one view per action, the section re-rendered for htmx with a toast."""

from flask import redirect, url_for
from flask_login import current_user

from webapp.api.services import create_token, revoke_token, tokens_of
from webapp.errors import DomainError
from webapp.hx import is_htmx, render
from webapp.tenancy import admin_required
from webapp.tokens import bp
from webapp.tokens.forms import NewTokenForm


def render_tokens(form=None, new_token=None, status=200, toast=None):
    """The tokens page, or only its section for htmx; a new token's plaintext appears in this answer only."""
    response = render(
        "tokens/index.html",
        "tokens/_section.html",
        "tokens-section",
        status=status,
        level=toast and toast["level"],
        message=toast and toast["message"],
        tokens=tokens_of(current_user.org_id),
        form=form or NewTokenForm(),
        new_token=new_token,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@admin_required
def index():
    """List the org's tokens."""
    return render_tokens()


@bp.post("/")
@admin_required
def create():
    """Create a named token and show it once."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        return render_tokens(form, status=422)
    try:
        token = create_token(current_user.org_id, form.name.data)
    except DomainError as error:
        form.name.errors.append(error.fields.get("name", error.message))
        return render_tokens(form, status=error.status)
    toast = {"level": "success", "message": "Token created: copy it now, it is not shown again."}
    return render_tokens(NewTokenForm(formdata=None), new_token=token, toast=toast)


@bp.post("/<id:token_id>/revoke")
@admin_required
def revoke(token_id):
    """Revoke a token (the page asks first); its next API call answers 401."""
    try:
        token = revoke_token(current_user.org_id, token_id)
    except DomainError as error:
        return render_tokens(status=error.status, toast={"level": "danger", "message": error.message})
    if not is_htmx():
        return redirect(url_for(".index"))
    return render_tokens(toast={"level": "success", "message": f"Revoked {token.name or 'the token'}."})
