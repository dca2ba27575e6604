"""How the import preview shows a setting's value: service names (their PagerDuty id on hover), words, not JSON."""

from markupsafe import Markup, escape

from webapp.audit.display import service_names


def shower(org_id: int):
    """A function value -> Markup for the org's preview (its service names read once)."""
    names = service_names(org_id)
    return lambda value: show(value, names)


def show(value, names: dict[str, str]) -> Markup:
    """One setting's value for a person: 'Payments' (id on hover), 'on', 'none', a route per line."""
    if value is None or value == [] or value == {}:
        return Markup('<span class="text-secondary">none</span>')
    if isinstance(value, bool):
        return Markup("on" if value else "off")
    if isinstance(value, str) and value in names:
        return Markup('<span title="{}" data-service-id="{}">{}</span>').format(value, value, names[value])
    if isinstance(value, list):
        return Markup("").join(Markup("<div>{}</div>").format(show(item, names)) for item in value)
    if isinstance(value, dict):
        if "service" in value:
            where = " / ".join(str(v) for k, v in value.items() if k != "service")
            return Markup("{} → {}").format(where, show(value["service"], names))
        return Markup(", ").join(Markup("{} {}").format(k.replace("_", " "), show(v, names)) for k, v in value.items())
    return escape(str(value))
