"""HMAC-SHA256 signatures of webhook deliveries.

Each delivery carries two headers:

    Tierline-Timestamp: 1767225600
    Tierline-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription secret>

A receiver recomputes the signature over the timestamp header, a dot and
the raw body, compares it in constant time, and rejects timestamps older
than a few minutes so a captured delivery cannot be replayed later.
"""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "Tierline-Timestamp"
SIGNATURE_HEADER = "Tierline-Signature"
EVENT_HEADER = "Tierline-Event"
DELIVERY_HEADER = "Tierline-Delivery"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now=None
) -> bool:
    """Return True when the signature matches and the timestamp is within `tolerance` seconds of now."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = int(now if now is not None else time.time())
    if abs(current - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature or "")
