"""Configuration read from the environment, and nothing else."""

import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

Env = Mapping[str, str]

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
REGION_HOSTS = {
    "us": ("https://api.pagerduty.com", "https://events.pagerduty.com"),
    "eu": ("https://api.eu.pagerduty.com", "https://events.eu.pagerduty.com"),
}
REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "PUBLIC_URL")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


class EnvVarError(ConfigError):
    """One environment variable holds a value PagerBridge cannot use; the message names it and what it expects."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"{name} must be {expected}, not {value!r}.")
        self.name = name
        self.value = value


def env_int(name: str, default: int, env: Env = os.environ, minimum: int | None = None) -> int:
    """An integer from the environment (default when unset or empty); EnvVarError naming the variable otherwise."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EnvVarError(name, raw, "a whole number") from None
    if minimum is not None and value < minimum:
        raise EnvVarError(name, raw, f"a whole number of at least {minimum}")
    return value


def env_float(name: str, default: float, env: Env = os.environ, minimum: float | None = None) -> float:
    """A number from the environment (default when unset or empty); EnvVarError naming the variable otherwise."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise EnvVarError(name, raw, "a number") from None
    if value != value or value in (float("inf"), float("-inf")) or (minimum is not None and value < minimum):
        raise EnvVarError(name, raw, "a finite number" + (f" of at least {minimum:g}" if minimum is not None else ""))
    return value


def env_text(name: str, env: Env = os.environ) -> str | None:
    """A text setting, None when unset or empty."""
    return (env.get(name) or "").strip() or None


class EngineSettings(NamedTuple):
    """How hard a delivery engine pushes: sends in flight per process, per org, and how long a claim lasts."""

    in_flight: int
    org_in_flight: int
    lease_seconds: int


def engine_settings(env: Env = os.environ) -> EngineSettings:
    """PAGERBRIDGE_SENDS_IN_FLIGHT (48), PAGERBRIDGE_ORG_IN_FLIGHT (80), PAGERBRIDGE_LEASE_SECONDS (60)."""
    return EngineSettings(
        env_int("PAGERBRIDGE_SENDS_IN_FLIGHT", 48, env, minimum=0),
        env_int("PAGERBRIDGE_ORG_IN_FLIGHT", 80, env, minimum=1),
        env_int("PAGERBRIDGE_LEASE_SECONDS", 60, env, minimum=1),
    )


def log_level(env: Env = os.environ) -> str:
    """LOG_LEVEL (default INFO), one of Python's level names."""
    raw = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if raw not in logging.getLevelNamesMapping():
        raise EnvVarError("LOG_LEVEL", raw, "one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return raw


class SentrySettings(NamedTuple):
    """Where errors go (SENTRY_DSN) and under which environment name."""

    dsn: str
    environment: str


def sentry_settings(env: Env = os.environ) -> SentrySettings | None:
    """SENTRY_DSN and the environment it reports under; None while SENTRY_DSN is unset."""
    dsn = env_text("SENTRY_DSN", env)
    if dsn is None:
        return None
    return SentrySettings(dsn, env.get("PAGERBRIDGE_ENV") or ("production" if env.get("DYNO") else "development"))


def host_name(env: Env = os.environ) -> str:
    """This machine as operators know it: Heroku's dyno name (DYNO), else the host name."""
    return env.get("DYNO") or socket.gethostname()


def pagerduty_api_override(env: Env = os.environ) -> str | None:
    """PAGERDUTY_API_URL without a trailing slash, or None (the region's own host)."""
    return (env.get("PAGERDUTY_API_URL") or "").rstrip("/") or None


def is_production(env: Env = os.environ) -> bool:
    """Heroku sets DYNO; anyone else says PAGERBRIDGE_ENV=production."""
    return bool(env.get("DYNO")) or env.get("PAGERBRIDGE_ENV") == "production"


def database_url(env: Env = os.environ) -> str:
    """DATABASE_URL with Heroku's postgres:// scheme fixed for SQLAlchemy and psycopg 3."""
    url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'pagerbridge.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redis_url(env: Env = os.environ) -> str:
    """REDIS_URL, else the Redis the dev runner started (its URL is left in instance/), else the local default."""
    if env.get("REDIS_URL"):
        return _trust_managed_tls(env["REDIS_URL"])
    dev_file = INSTANCE_DIR / "dev-redis-url"
    if dev_file.exists():
        return dev_file.read_text().strip()
    return "redis://127.0.0.1:6379/0"


def _trust_managed_tls(url: str) -> str:
    """Heroku Redis serves TLS (rediss://) with a self-signed certificate: redis-py must not verify it by default."""
    if url.startswith("rediss://") and "ssl_cert_reqs" not in url:
        return url + ("&" if "?" in url else "?") + "ssl_cert_reqs=none"
    return url


def development_secrets() -> tuple[str, str]:
    """Stable development-only keys kept in instance/, so encrypted demo data survives restarts."""
    import secrets

    from cryptography.fernet import Fernet

    path = INSTANCE_DIR / "dev-secrets"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{secrets.token_urlsafe(32)}\n{Fernet.generate_key().decode()}\n")
        path.chmod(0o600)
    secret_key, encryption_key = path.read_text().split()[:2]
    return secret_key, encryption_key


def trusted_proxies(env: Env = os.environ) -> int:
    """PAGERBRIDGE_TRUSTED_PROXIES: how many proxies in front of the web process add X-Forwarded-For (Heroku: 1)."""
    value = (env.get("PAGERBRIDGE_TRUSTED_PROXIES") or "0").strip()
    if not value.isdigit():
        raise EnvVarError("PAGERBRIDGE_TRUSTED_PROXIES", value, "a whole number of proxies (Heroku: 1)")
    return int(value)


def load_config(env: Env = os.environ) -> dict[str, Any]:
    """Build the Flask config mapping from the environment; refuse to start production without its settings."""
    if is_production(env):
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
        if missing:
            raise ConfigError(f"PagerBridge cannot start: set {', '.join(missing)} in the environment.")
    secret_key, encryption_keys = env.get("SECRET_KEY"), env.get("ENCRYPTION_KEYS")
    if not (secret_key and encryption_keys):
        dev_secret, dev_key = development_secrets()
        secret_key, encryption_keys = secret_key or dev_secret, encryption_keys or dev_key
    assert encryption_keys is not None  # for mypy: filled in just above
    public_url = (env.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    https = public_url.startswith("https://")
    return {
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": [k.strip() for k in encryption_keys.split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url(env),
        "REDIS_URL": redis_url(env),
        "PUBLIC_URL": public_url,
        "PAGERDUTY_API_URL": pagerduty_api_override(env),
        "PAGERDUTY_EVENTS_URL": (env.get("PAGERDUTY_EVENTS_URL") or "").rstrip("/") or None,
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "EVENTS_PER_MINUTE": env_float("PAGERBRIDGE_EVENTS_PER_MINUTE", 100.0, env, minimum=0.01),
        "SLA_PERIOD_SECONDS": env_int("PAGERBRIDGE_SLA_PERIOD_SECONDS", 900, env, minimum=1),
        "ONCALL_PERIOD_SECONDS": env_int("PAGERBRIDGE_ONCALL_PERIOD_SECONDS", 300, env, minimum=1),
        "SWEEP_PERIOD_SECONDS": env_int("PAGERBRIDGE_SWEEP_PERIOD_SECONDS", 30, env, minimum=1),
        "TRUSTED_PROXIES": trusted_proxies(env),
        "LOGIN_RATE_LIMIT": "20/minute",
        "VDP_RATE_LIMIT": "10/hour",
        # A detector storm pages at 200 a second for minutes (issue 21's storm): the limit stops a runaway script, not
        # a busy detector.
        "API_RATE_LIMIT": env.get("PAGERBRIDGE_API_RATE_LIMIT", "30000/minute"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    }
