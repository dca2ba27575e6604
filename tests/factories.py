"""Factories for test data, built through the same services the app uses."""

import functools
import itertools
from types import SimpleNamespace
from unittest import mock

from tests.conftest import PASSWORD

_sequence = itertools.count(1)


def org_with_users(slug=None):
    """An org with an admin, a member and an API token; returns a namespace of them."""
    from webapp.api.services import create_token
    from webapp.orgs.services import create_org
    from webapp.users.services import create_user

    n = next(_sequence)
    slug = slug or f"org{n}"
    org = create_org(slug, f"Org {n}")
    with mock.patch("webapp.models.org.generate_password_hash", password_hash):
        admin = create_user(org.id, f"admin{n}@example.com", "admin", PASSWORD, f"Admin {n}")
        member = create_user(org.id, f"member{n}@example.com", "member", PASSWORD, f"Member {n}")
    return SimpleNamespace(
        id=org.id,
        slug=org.slug,
        model=org,
        admin=admin,
        member=member,
        admin_email=admin.email,
        member_email=member.email,
        api_token=create_token(org.id),
    )


# Scrypt as the app hashes (werkzeug's scrypt), at 1/32 of its default work (n=2**10 instead of 2**15): the hash is
# checked at every sign-in of a fixture user (hundreds a run), and its cost is not what those tests test.
FIXTURE_HASH_METHOD = "scrypt:1024:8:1"


@functools.cache
def password_hash(password):
    """One real scrypt hash of each password for all the fixture users, at a lighter work factor: a hash at the
    app's default costs a tenth of a second of CPU to make and as much to check, and the suite signs fixture users
    in hundreds of times. Sign-ins still check it the real way (werkzeug reads the work factor from the hash); users
    made by the app's own services get the default."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method=FIXTURE_HASH_METHOD)


class ApiClient:
    """A test client that sends the org's bearer token and JSON."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(
            "/api/v1" + path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def patch(self, path, json=None, **kwargs):
        return self.client.patch(
            "/api/v1" + path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def put(self, path, json=None, **kwargs):
        return self.client.put(
            "/api/v1" + path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def delete(self, path, **kwargs):
        return self.client.delete("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


def default_service(org_id, integration_key, pd_id="PPLAT01", name="Platform"):
    """An enabled default service with its Events API v2 key, committed."""
    from webapp.extensions import db
    from webapp.models import Service

    service = Service(
        org_id=org_id, pd_id=pd_id, name=name, enabled=True, is_default=True, integration_key=integration_key
    )
    db.session.add(service)
    db.session.commit()
    return service
