"""Settings as code: `settings export` / `settings import`, one section per key, listed by the modules that own them."""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from webapp.errors import DomainError
from webapp.extensions import db

# The modules that own sections of the settings document; each lists its own in SETTINGS_SECTIONS.
SECTION_MODULES = ("webapp.alerts.rules", "webapp.routing.settings", "webapp.oncall.settings", "webapp.sla.policy")


@dataclass(frozen=True)
class Section:
    """How one key of the settings document is read, checked and applied."""

    key: str
    export: Callable[[int], object]
    validate: Callable[[int, object], dict]
    apply: Callable[[int, object], None]


def sections():
    """Every section by key; validate returns {field: message} (empty when fine)."""
    return {section.key: section for name in SECTION_MODULES for section in import_module(name).SETTINGS_SECTIONS}


def export_settings(org_id):
    """The org's settings as a JSON-ready dict, without secrets."""
    return {key: section.export(org_id) for key, section in sorted(sections().items())}


def import_settings(org_id, document):
    """Validate every section, then apply them all in one transaction: all or nothing."""
    if not isinstance(document, dict):
        raise DomainError("The settings file must hold a JSON object.")
    known = sections()
    errors = {key: "unknown settings section" for key in document if key not in known}
    for key, value in document.items():
        if key in known:
            errors.update(
                {
                    f"{key}.{field}" if field else key: message
                    for field, message in known[key].validate(org_id, value).items()
                }
            )
    if errors:
        raise DomainError("The settings file was not applied: fix these fields.", fields=errors)
    try:
        for key, value in document.items():
            known[key].apply(org_id, value)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
