"""Creating and finding organisations."""

import re

from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.models import OnCallSettings, Org, OrgSettings
from webapp.unit_of_work import created_on_first_use, held

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def create_org(slug, name):
    """A new org with default settings; the slug is lower-case letters, digits and hyphens."""
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise DomainError("The slug must be 1-63 lower-case letters, digits or hyphens.", fields={"slug": "invalid"})
    if not (name or "").strip():
        raise DomainError("The org needs a name.", fields={"name": "required"})
    if db.session.scalar(db.select(Org.id).filter_by(slug=slug)):
        raise Conflict(f"An org with the slug '{slug}' already exists.", fields={"slug": "taken"})
    org = Org(slug=slug, name=name.strip())
    db.session.add(org)
    db.session.flush()
    db.session.add(OrgSettings(org_id=org.id))
    db.session.add(OnCallSettings(org_id=org.id))
    db.session.commit()
    return org


def org_by_slug(slug):
    """The org with this slug, or NotFound."""
    org = db.session.scalar(db.select(Org).filter_by(slug=(slug or "").strip().lower()))
    if org is None:
        raise NotFound(f"No org with the slug '{slug}'.")
    return org


def settings_for(org_id):
    """The org's settings row, created on first use."""
    return held(created_on_first_use(db.session.get(OrgSettings, org_id), OrgSettings, org_id))
