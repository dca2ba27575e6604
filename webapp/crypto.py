"""Encryption of secrets at rest with MultiFernet over ENCRYPTION_KEYS (the first key encrypts)."""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

MIN_SECRET_LENGTH = 32


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


def fernet():
    """The MultiFernet for the current app, built once per key list."""
    keys = tuple(current_app.config["ENCRYPTION_KEYS"])
    cache = current_app.extensions.setdefault("pagerbridge_fernet", {})
    if keys not in cache:
        cache.clear()
        cache[keys] = MultiFernet([fernet_key(key) for key in keys])
    return cache[keys]


def fernet_key(value):
    """A Fernet for one entry of ENCRYPTION_KEYS: a Fernet key as it is, or one derived from a long random secret.

    Heroku's app.json can only generate hex secrets, not Fernet keys; a secret of 32+ characters is hashed into one.
    """
    try:
        return Fernet(value.encode())
    except ValueError:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"Each ENCRYPTION_KEYS entry must be a Fernet key or a random secret of {MIN_SECRET_LENGTH}+ characters"
            ) from None
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()))


def encrypt(plaintext):
    """Encrypt a string under the newest key."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token):
    """Decrypt a value written under any configured key."""
    try:
        return _decrypted(fernet(), token)
    except InvalidToken as exc:
        raise SecretUnreadable("A stored secret cannot be read with the configured ENCRYPTION_KEYS.") from exc


# Every API write reads the org's connection and a service's key: the same few ciphertexts, decrypted once per
# process. Keyed by the MultiFernet (one per key list) and the ciphertext, a hit is what decrypting would give.
@lru_cache(maxsize=4096)
def _decrypted(keys, token):
    return keys.decrypt(token.encode()).decode()


def rotate(token):
    """Re-encrypt a stored value under the newest key."""
    return fernet().rotate(token.encode()).decode()


def mask(secret):
    """Show at most the last 4 characters of a secret."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"
