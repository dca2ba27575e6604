"""Fixtures for alert delivery tests."""
import pytest

from tests.conftest import DEFAULT_KEY
from webapp.models import Service


@pytest.fixture()
def default_service(db, connected):
    """An enabled default service on the sandbox's Platform service."""
    service = Service(org_id=connected.id, pd_id="PPLAT01", name="Platform", enabled=True, is_default=True,
                      integration_key=DEFAULT_KEY)
    db.session.add(service)
    db.session.commit()
    return service
