"""Audit details as sentences a person reads ("Default service: Platform → Payments"), not raw JSON."""

from webapp.extensions import db
from webapp.formatting import label
from webapp.models import Service

SERVICE_KEYS = {"service", "default_service", "vdp_service", "schedule"}


def service_names(org_id: int) -> dict[str, str]:
    """PagerDuty service id → name, for the org's services."""
    return dict(db.session.execute(db.select(Service.pd_id, Service.name).filter_by(org_id=org_id)).all())


def describe(detail, names: dict[str, str] | None = None) -> list[str]:
    """One readable line per key of an audit entry's detail."""
    names = names or {}
    if not isinstance(detail, dict):
        return [value_text(detail, names)] if detail not in (None, "", {}) else []
    lines = []
    for key, value in detail.items():
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            before, after = (value_text(value[side], names, key) for side in ("from", "to"))
            lines.append(f"{label(key)}: {before} → {after}")
        else:
            lines.append(f"{label(key)}: {value_text(value, names, key)}")
    return lines


def value_text(value, names: dict[str, str], key: str = "") -> str:
    """A value in words: on/off, none, service names for PagerDuty ids, lists and objects spelled out."""
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return names.get(value, value) if key in SERVICE_KEYS or value in names else value
    if isinstance(value, list):
        return "; ".join(value_text(item, names, key) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{label(k).lower()} {value_text(v, names, k)}" for k, v in value.items())
    return str(value)
