"""Fixtures for alert delivery tests."""

import pytest

from tests import factories
from tests.conftest import DEFAULT_KEY


@pytest.fixture()
def default_service(db, connected):
    """An enabled default service on the sandbox's Platform service."""
    return factories.default_service(connected.id, DEFAULT_KEY)
