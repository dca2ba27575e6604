"""Logging as the processes run it: the migrations the app fixture ran load alembic's logging config, which
replaces the root handler and disables the loggers that existed; a deployed web or worker process never runs them."""

import logging

import pytest


@pytest.fixture(autouse=True)
def json_logging(app, monkeypatch):
    """The JSON handler on the root logger at INFO, and the app's loggers enabled."""
    from webapp.logs import configure_logging

    root = logging.getLogger()
    handler = configure_logging("web")
    if handler not in root.handlers:
        monkeypatch.setattr(root, "handlers", [*root.handlers, handler])
    # setLevel, not an attribute: it also clears each logger's cached isEnabledFor answers, which an earlier test
    # run under the migrations' WARNING root may have left saying INFO is off.
    saved_level = root.level
    root.setLevel(logging.INFO)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.name.startswith(("webapp", "jobs", "pagerbridge")):
            monkeypatch.setattr(logger, "disabled", False)
    yield
    root.setLevel(saved_level)
