"""PagerDuty v3 webhook signatures: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>[,v1=...]`."""

import hashlib
import hmac


def expected_signature(secret, raw_body):
    """The v1 signature PagerDuty computes for a body."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(header, raw_body, secrets):
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
