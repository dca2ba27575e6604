"""Settings as code: each feature registers its section of `settings export` / `settings import`."""

from collections.abc import Callable
from dataclasses import dataclass

from webapp.errors import DomainError
from webapp.extensions import db

SECTIONS = {}


@dataclass(frozen=True)
class Section:
    """How one key of the settings document is read, checked and applied."""

    key: str
    export: Callable[[int], object]
    validate: Callable[[int, object], dict]
    apply: Callable[[int, object], None]


def register_section(key, export, validate, apply):
    """Declare a settings section; validate returns {field: message} (empty when fine)."""
    SECTIONS[key] = Section(key, export, validate, apply)


def export_settings(org_id):
    """The org's settings as a JSON-ready dict, without secrets."""
    return {key: section.export(org_id) for key, section in sorted(SECTIONS.items())}


def import_settings(org_id, document):
    """Validate every section, then apply them all in one transaction: all or nothing."""
    if not isinstance(document, dict):
        raise DomainError("The settings file must hold a JSON object.")
    errors = {key: "unknown settings section" for key in document if key not in SECTIONS}
    for key, value in document.items():
        if key in SECTIONS:
            errors.update(
                {
                    f"{key}.{field}" if field else key: message
                    for field, message in SECTIONS[key].validate(org_id, value).items()
                }
            )
    if errors:
        raise DomainError("The settings file was not applied: fix these fields.", fields=errors)
    try:
        for key, value in document.items():
            SECTIONS[key].apply(org_id, value)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
