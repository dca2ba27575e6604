"""Reading an uploaded settings document, describing what applying it would change, and applying it."""

import json

from sqlalchemy.exc import SQLAlchemyError

from webapp import inputs
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.pagerduty.accounts import mark_auth_failure
from webapp.settings_io import export_settings, sections, validated_settings

NOT_APPLIED_AT = "The settings file was not applied: section {key} failed"

MAX_BYTES = 1024 * 1024


def read_document(raw):
    """The JSON object in an uploaded file or form field (bytes or text), or a DomainError saying what is wrong.

    Bounded in size (MAX_BYTES) and in depth (inputs.MAX_DEPTH, as every JSON body): the web page and the CLI
    both read documents here."""
    if not raw:
        raise DomainError("Choose a settings file (JSON, as Download settings makes).", fields={"": "no file"})
    if len(raw) > MAX_BYTES:
        raise DomainError("The file is too large (at most 1 MB).", fields={"": "too large"})
    try:
        document = inputs.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(f"The file is not valid JSON: {exc}", fields={"": "not valid JSON"}) from None
    if not isinstance(document, dict):
        raise DomainError("The settings file must hold a JSON object.", fields={"": "must be a JSON object"})
    return inputs.refuse_bad_characters(document)  # NUL or a lone surrogate anywhere, keys included: named, 422


def _changes(path, before, after):
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in after.items():
            yield from _changes(f"{path}.{key}", before.get(key), value)
    elif before != after:
        yield {"path": path, "before": before, "after": after}


def preview(org_id, document):
    """What applying the document would change: one entry per section it names, each with its changed paths.

    Raises the same DomainError as `settings import` when any part is not valid; nothing is written either way.
    """
    cleaned = validated_settings(org_id, document)
    current = export_settings(org_id)
    return [{"key": key, "changes": list(_changes(key, current.get(key), value))} for key, value in cleaned.items()]


def as_json(value):
    """A value as the settings file writes it."""
    return json.dumps(value, sort_keys=True)


def import_settings(org_id, document):
    """Validate every section, do PagerDuty's side of each, then apply them all in one transaction: all or nothing.

    A failure rolls everything back and raises a DomainError naming the section and why, for the page and the CLI.
    """
    cleaned, known = validated_settings(org_id, document), sections()
    key = None
    try:
        for step in ("prepare", "apply"):
            for key, value in cleaned.items():
                action = getattr(known[key], step)
                if action is not None:
                    action(org_id, value)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if getattr(error, "auth_failure", None):  # PagerDuty refused the credentials: the connection turns red
            mark_auth_failure(org_id, error.auth_failure)
        message = f"{NOT_APPLIED_AT.format(key=key)}: {error.message}"
        raise DomainError(message, fields={key: error.message}, status=error.status) from None
    except SQLAlchemyError as error:
        db.session.rollback()
        reason = f"the database refused it ({type(error).__name__})"
        raise DomainError(f"{NOT_APPLIED_AT.format(key=key)}: {reason}.", fields={key: reason}, status=409) from None
    except Exception:
        db.session.rollback()
        raise
    return cleaned
