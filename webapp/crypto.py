"""Encryption of secrets at rest with MultiFernet over ENCRYPTION_KEYS (the first key encrypts)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


def fernet():
    """The MultiFernet for the current app, built once per key list."""
    keys = tuple(current_app.config["ENCRYPTION_KEYS"])
    cache = current_app.extensions.setdefault("pagerbridge_fernet", {})
    if keys not in cache:
        cache.clear()
        cache[keys] = MultiFernet([Fernet(key.encode()) for key in keys])
    return cache[keys]


def encrypt(plaintext):
    """Encrypt a string under the newest key."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token):
    """Decrypt a value written under any configured key."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("A stored secret cannot be read with the configured ENCRYPTION_KEYS.") from exc


def rotate(token):
    """Re-encrypt a stored value under the newest key."""
    return fernet().rotate(token.encode()).decode()


def mask(secret):
    """Show at most the last 4 characters of a secret."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"
