"""PagerDuty v3 webhook signatures: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>[,v1=...]`."""

import hashlib
import hmac
from collections.abc import Iterable


def expected_signature(secret: str, raw_body: bytes) -> str:
    """The v1 signature PagerDuty computes for a body."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(header: str | None, raw_body: bytes, secrets: Iterable[str]) -> bool:
    """True when any v1 signature in the header matches any active secret (compared in constant time).

    Compared as bytes: a header with non-ASCII characters is simply a signature that does not match.
    """
    if not header or not secrets:
        return False
    offered = [
        part.strip()[3:].encode("utf-8", "replace") for part in header.split(",") if part.strip().startswith("v1=")
    ]
    matched = False
    for secret in secrets:
        expected = expected_signature(secret, raw_body).encode()
        for signature in offered:
            matched |= hmac.compare_digest(expected, signature)
    return matched
