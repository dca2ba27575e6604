"""Configuration comes from the environment only."""

import pytest

from webapp.config import ConfigError, database_url, load_config

KEYS = "jvqQzq1dJ6B0oWbCKcT6ESCUA6vUzS-uYMYqm2sr5g0="


def test_heroku_postgres_url_is_fixed():
    assert database_url({"DATABASE_URL": "postgres://u:p@h:5432/d"}) == "postgresql+psycopg://u:p@h:5432/d"
    assert database_url({"DATABASE_URL": "postgresql://u@h/d"}) == "postgresql+psycopg://u@h/d"


def test_sqlite_default_under_instance():
    assert database_url({}).startswith("sqlite:///") and database_url({}).endswith("instance/pagerbridge.db")


def test_production_refuses_to_start_without_required_settings():
    with pytest.raises(ConfigError) as error:
        load_config({"DYNO": "web.1", "DATABASE_URL": "postgres://x/y"})
    assert "SECRET_KEY" in str(error.value) and "ENCRYPTION_KEYS" in str(error.value)
    assert "DATABASE_URL" not in str(error.value)


def test_production_with_everything_set():
    env = {
        "PAGERBRIDGE_ENV": "production",
        "DATABASE_URL": "postgres://x/y",
        "REDIS_URL": "redis://r:6379/0",
        "SECRET_KEY": "s",
        "ENCRYPTION_KEYS": f"{KEYS}, other",
        "PUBLIC_URL": "https://pb.example.com/",
        "PAGERDUTY_API_URL": "http://127.0.0.1:5055/",
    }
    config = load_config(env)
    assert config["ENCRYPTION_KEYS"] == [KEYS, "other"]
    assert config["PUBLIC_URL"] == "https://pb.example.com"
    assert config["SESSION_COOKIE_SECURE"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["PAGERDUTY_API_URL"] == "http://127.0.0.1:5055"
    assert config["REDIS_URL"] == "redis://r:6379/0"


def test_plain_http_public_url_keeps_cookies_usable():
    config = load_config({"SECRET_KEY": "s", "ENCRYPTION_KEYS": KEYS, "PUBLIC_URL": "http://localhost:5000"})
    assert config["SESSION_COOKIE_SECURE"] is False and config["SESSION_COOKIE_HTTPONLY"] is True


def test_heroku_redis_tls_is_not_verified_against_its_self_signed_certificate():
    from webapp.config import redis_url

    assert redis_url({"REDIS_URL": "rediss://:p@h:6380"}) == "rediss://:p@h:6380?ssl_cert_reqs=none"
    assert redis_url({"REDIS_URL": "rediss://h:6380/0?ssl_cert_reqs=required"}).endswith("=required")
    assert redis_url({"REDIS_URL": "redis://h:6379/0"}) == "redis://h:6379/0"


BASE = {"SECRET_KEY": "s", "ENCRYPTION_KEYS": KEYS}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAGERBRIDGE_SLA_PERIOD_SECONDS", "fifteen"),
        ("PAGERBRIDGE_ONCALL_PERIOD_SECONDS", "1.5"),
        ("PAGERBRIDGE_SWEEP_PERIOD_SECONDS", "0"),
        ("PAGERBRIDGE_EVENTS_PER_MINUTE", "lots"),
        ("PAGERBRIDGE_EVENTS_PER_MINUTE", "nan"),
        ("PAGERBRIDGE_TRUSTED_PROXIES", "-1"),
    ],
)
def test_a_bad_number_names_its_variable(name, value):
    from webapp.config import EnvVarError

    with pytest.raises(EnvVarError) as error:
        load_config({**BASE, name: value})
    assert error.value.name == name and name in str(error.value) and repr(value) in str(error.value)
    assert isinstance(error.value, ConfigError) and not isinstance(error.value, ValueError)


def test_numbers_have_their_defaults_and_read_what_is_set():
    config = load_config({**BASE, "PAGERBRIDGE_SLA_PERIOD_SECONDS": " 60 ", "PAGERBRIDGE_EVENTS_PER_MINUTE": ""})
    assert config["SLA_PERIOD_SECONDS"] == 60 and config["EVENTS_PER_MINUTE"] == 100.0
    assert config["ONCALL_PERIOD_SECONDS"] == 300 and config["SWEEP_PERIOD_SECONDS"] == 30


def test_engine_settings_from_the_environment():
    from webapp.config import EnvVarError, engine_settings

    assert engine_settings({}) == (48, 80, 60)
    # One org's storm of 200 a second, each send holding its lease ~0.3 s (PagerDuty's answer, the claim gap, the
    # outcome batch), needs 60 in flight; two senders keep room beyond the org's cap for the other orgs.
    in_flight, org_limit, _lease = engine_settings({})
    assert org_limit >= 200 * 0.3 and 2 * in_flight > org_limit
    assert engine_settings({"PAGERBRIDGE_SENDS_IN_FLIGHT": "0", "PAGERBRIDGE_LEASE_SECONDS": "5"}).lease_seconds == 5
    with pytest.raises(EnvVarError, match="PAGERBRIDGE_ORG_IN_FLIGHT"):
        engine_settings({"PAGERBRIDGE_ORG_IN_FLIGHT": "many"})


def test_log_level_and_sentry_settings():
    from webapp.config import EnvVarError, log_level, sentry_settings

    assert log_level({}) == "INFO" and log_level({"LOG_LEVEL": "debug"}) == "DEBUG"
    with pytest.raises(EnvVarError, match="LOG_LEVEL"):
        log_level({"LOG_LEVEL": "chatty"})
    assert sentry_settings({}) is None and sentry_settings({"SENTRY_DSN": " "}) is None
    assert sentry_settings({"SENTRY_DSN": "https://k@s/1", "DYNO": "web.1"}).environment == "production"


def test_only_config_reads_the_environment():
    """Every other module asks webapp.config, so each variable is parsed, defaulted and checked in one place."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    readers = [
        str(path.relative_to(root))
        for folder in ("webapp", "jobs")
        for path in (root / folder).rglob("*.py")
        if path.name != "config.py" and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())
    ]
    assert readers == []


def test_the_default_api_limit_lets_a_detector_storm_through():
    """Issue 21's storm, 200 incidents a second for a minute and more from one token, is never refused by default."""
    from limits import parse

    limit = parse(load_config({"DATABASE_URL": "sqlite://"})["API_RATE_LIMIT"])
    assert limit.amount / limit.get_expiry() >= 200
