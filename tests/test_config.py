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
