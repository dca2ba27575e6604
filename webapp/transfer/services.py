"""Reading an uploaded settings document and describing what applying it would change."""

import json

from webapp import inputs
from webapp.errors import DomainError
from webapp.settings_io import export_settings, validated_settings

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
