"""Settings → Import/export: download, upload with a preview of every change, apply after confirmation."""

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.settings_io import export_settings
from webapp.tenancy import admin_required
from webapp.transfer import bp
from webapp.transfer.display import shower
from webapp.transfer.services import as_json, import_settings, preview, read_document


@bp.get("/")
@admin_required
def index():
    """Download and upload."""
    return render_template("transfer/index.html")


@bp.get("/settings.json")
@admin_required
def download():
    """The org's settings document (no secrets), as `settings export` prints it."""
    body = json.dumps(export_settings(current_user.org_id), indent=2, sort_keys=True) + "\n"
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{current_user.org.slug}-settings.json"'
    return response


def _render_preview(raw, error=None, sections=None, status=200):
    return (
        render_template(
            "transfer/preview.html",
            raw=raw,
            error=error,
            sections=sections or [],
            as_json=as_json,
            show=shower(current_user.org_id),
        ),
        status,
    )


@bp.post("/preview")
@admin_required
def upload():
    """Validate an uploaded document all or nothing and show, per section, what would change (nothing applied)."""
    upload = request.files.get("file")
    raw = upload.read() if upload else b""
    try:
        text = raw.decode("utf-8")
        sections = preview(current_user.org_id, read_document(text))
    except UnicodeDecodeError:
        return _render_preview("", DomainError("The file is not UTF-8 text.", fields={"": "not UTF-8"}), status=422)
    except DomainError as error:
        return _render_preview(raw.decode("utf-8", "replace"), error, status=error.status)
    return _render_preview(text, sections=sections)


@bp.post("/apply")
@admin_required
def apply():
    """Apply the previewed document, validated again, in one transaction."""
    raw = request.form.get("document", "")
    try:
        document = read_document(raw)
        changed = sorted(section["key"] for section in preview(current_user.org_id, document) if section["changes"])
        import_settings(current_user.org_id, document)
    except DomainError as error:
        db.session.rollback()
        return _render_preview(raw, error, status=error.status)
    if changed:
        flash(f"Applied settings: {', '.join(changed)}.", "success")
    else:
        flash("Nothing changed: the file matches the current settings.", "info")
    return redirect(url_for(".index"))
