"""Settings as code: `settings export` / `settings import`, one declared section per key, listed by the modules that own
them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from pydantic import BaseModel, ValidationError

from webapp.errors import DomainError
from webapp.schemas import adapter, error_fields

# The modules that own sections of the settings document; each lists its own in SETTINGS_SECTIONS.
SECTION_MODULES = (
    "webapp.orgs.alert_rules",
    "webapp.routing.export",
    "webapp.oncall.export",
    "webapp.sla.services",
)
NOT_APPLIED = "The settings file was not applied: fix these fields."


@dataclass(frozen=True)
class Section:
    """How one key of the settings document is read, checked and applied.

    `schema` declares the value's shape (a pydantic model or annotated type); `check(org_id, value)` adds what only
    the org's data can tell (a service or namespace it names must exist) as {field: message}. `prepare(org_id,
    value)` does what happens outside the database (PagerDuty's side) before any section is applied; `apply` only
    changes the session, never commits.
    """

    key: str
    export: Callable[[int], object]
    schema: object
    apply: Callable[[int, Any], None]
    check: Callable[[int, object], dict] | None = None
    messages: dict = field(default_factory=dict)
    prepare: Callable[[int, object], None] | None = None


def sections():
    """Every section of the settings document, by key."""
    return {section.key: section for name in SECTION_MODULES for section in import_module(name).SETTINGS_SECTIONS}


def export_settings(org_id):
    """The org's settings as a JSON-ready dict, without secrets."""
    return {key: section.export(org_id) for key, section in sorted(sections().items())}


def section_errors(section, org_id, value):
    """(the value as applied, {field: message}) for one section's value."""
    try:
        parsed = adapter(section.schema).validate_python(value)
    except ValidationError as exc:
        return None, error_fields(exc, messages=section.messages)
    cleaned = parsed.model_dump(exclude_unset=True, by_alias=True) if isinstance(parsed, BaseModel) else parsed
    return cleaned, (section.check(org_id, cleaned) if section.check else {})


def validated_settings(org_id, document):
    """The document with every section checked, or a DomainError naming each bad path (`section.field`)."""
    if not isinstance(document, dict):
        raise DomainError("The settings file must hold a JSON object.", fields={"": "must be a JSON object"})
    known = sections()
    errors, cleaned = {key: "unknown settings section" for key in document if key not in known}, {}
    for key, value in document.items():
        if key in known:
            cleaned[key], found = section_errors(known[key], org_id, value)
            errors.update({f"{key}.{path}" if path else key: message for path, message in found.items()})
    if errors:
        raise DomainError(NOT_APPLIED, fields=errors)
    return cleaned
