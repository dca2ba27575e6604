"""Configuration read from the environment, and nothing else."""

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
REGION_HOSTS = {
    "us": ("https://api.pagerduty.com", "https://events.pagerduty.com"),
    "eu": ("https://api.eu.pagerduty.com", "https://events.eu.pagerduty.com"),
}
REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "PUBLIC_URL")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def is_production(env=os.environ):
    """Heroku sets DYNO; anyone else says PAGERBRIDGE_ENV=production."""
    return bool(env.get("DYNO")) or env.get("PAGERBRIDGE_ENV") == "production"


def database_url(env=os.environ):
    """DATABASE_URL with Heroku's postgres:// scheme fixed for SQLAlchemy and psycopg 3."""
    url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'pagerbridge.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redis_url(env=os.environ):
    """REDIS_URL, else the Redis the dev runner started (its URL is left in instance/), else the local default."""
    if env.get("REDIS_URL"):
        return _trust_managed_tls(env["REDIS_URL"])
    dev_file = INSTANCE_DIR / "dev-redis-url"
    if dev_file.exists():
        return dev_file.read_text().strip()
    return "redis://127.0.0.1:6379/0"


def _trust_managed_tls(url):
    """Heroku Redis serves TLS (rediss://) with a self-signed certificate: redis-py must not verify it by default."""
    if url.startswith("rediss://") and "ssl_cert_reqs" not in url:
        return url + ("&" if "?" in url else "?") + "ssl_cert_reqs=none"
    return url


def development_secrets():
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


def trusted_proxies(env=os.environ):
    """PAGERBRIDGE_TRUSTED_PROXIES: how many proxies in front of the web process add X-Forwarded-For (Heroku: 1)."""
    value = (env.get("PAGERBRIDGE_TRUSTED_PROXIES") or "0").strip()
    if not value.isdigit():
        raise ConfigError("PAGERBRIDGE_TRUSTED_PROXIES must be a whole number of proxies (Heroku: 1).")
    return int(value)


def load_config(env=os.environ):
    """Build the Flask config mapping from the environment; refuse to start production without its settings."""
    if is_production(env):
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
        if missing:
            raise ConfigError(f"PagerBridge cannot start: set {', '.join(missing)} in the environment.")
    secret_key, encryption_keys = env.get("SECRET_KEY"), env.get("ENCRYPTION_KEYS")
    if not (secret_key and encryption_keys):
        dev_secret, dev_key = development_secrets()
        secret_key, encryption_keys = secret_key or dev_secret, encryption_keys or dev_key
    public_url = (env.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    https = public_url.startswith("https://")
    return {
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": [k.strip() for k in encryption_keys.split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url(env),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url(env),
        "PUBLIC_URL": public_url,
        "PAGERDUTY_API_URL": (env.get("PAGERDUTY_API_URL") or "").rstrip("/") or None,
        "PAGERDUTY_EVENTS_URL": (env.get("PAGERDUTY_EVENTS_URL") or "").rstrip("/") or None,
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "EVENTS_PER_MINUTE": float(env.get("PAGERBRIDGE_EVENTS_PER_MINUTE", "100")),
        "SLA_PERIOD_SECONDS": int(env.get("PAGERBRIDGE_SLA_PERIOD_SECONDS", "900")),
        "ONCALL_PERIOD_SECONDS": int(env.get("PAGERBRIDGE_ONCALL_PERIOD_SECONDS", "300")),
        "SWEEP_PERIOD_SECONDS": int(env.get("PAGERBRIDGE_SWEEP_PERIOD_SECONDS", "30")),
        "TRUSTED_PROXIES": trusted_proxies(env),
        "LOGIN_RATE_LIMIT": "20/minute",
        "VDP_RATE_LIMIT": "10/hour",
        # A detector pages at bursts of tens a second: the limit stops a runaway script, not a busy scanner.
        "API_RATE_LIMIT": env.get("PAGERBRIDGE_API_RATE_LIMIT", "6000/minute"),
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
