"""Karla webhook signatures: the ``Karla-Signature`` header, signed and verified (pure).

The header is ``t=<unix seconds>,v1=<hex>``: an HMAC-SHA256, keyed with the webhook secret as
UTF-8 text, over ``"<t>." + <raw request body>``, in lowercase hex. Several ``v1`` values may be
present (secret rotation); any one matching is enough. A timestamp further than ``tolerance``
seconds from ``now`` is rejected, so a captured delivery cannot be replayed later.

::

    SignatureError                    the delivery's signature cannot be trusted
    ├── MalformedSignatureError       the header is missing, unparsable, or has no v1
    ├── StaleSignatureError           the timestamp is outside the tolerance
    └── SignatureMismatchError        no v1 value matches the body and the secret

Nothing here reads a clock unless ``now`` is left out, and no message ever contains the secret
or the expected signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from shopbridge.core._errors import (
    MalformedSignatureError,
    SignatureError,
    SignatureMismatchError,
    StaleSignatureError,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "MalformedSignatureError",
    "SignatureError",
    "SignatureMismatchError",
    "StaleSignatureError",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "Karla-Signature"
"""The name of the header Karla signs its deliveries with."""

DEFAULT_TOLERANCE = 300
"""Seconds a signature's timestamp may differ from now (the official plugin's value)."""

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_MAX_HEADER = 4096  # far beyond a real header; keeps a hostile one from costing work


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """Sign a webhook body as Karla does.

    Args:
        secret: the webhook's secret (used as UTF-8 text, not decoded).
        body: the raw request body, exactly as it is sent.
        timestamp: the signing time in Unix seconds.

    Returns:
        The full ``Karla-Signature`` header value, ``t=<timestamp>,v1=<hex>``.
    """
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def _parse_header(header: str | None) -> tuple[int, list[str]]:
    """Split a header value into its timestamp and its ``v1`` signatures."""
    if header is None or not header.strip():
        raise MalformedSignatureError("the Karla-Signature header is missing or empty")
    if len(header) > _MAX_HEADER:
        raise MalformedSignatureError("the Karla-Signature header is too long to be real")
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise MalformedSignatureError(
                "the Karla-Signature header is not of the form t=<unix>,v1=<hex>"
            )
        if name == "t":
            timestamps.append(value.strip())
        elif name == "v1":
            signatures.append(value.strip())
        # Other schemes (v0, future v2) are ignored, as webhook verifiers conventionally do.
    if len(timestamps) != 1:
        raise MalformedSignatureError("the Karla-Signature header needs exactly one t=<unix>")
    raw_t = timestamps[0]
    if not raw_t.isascii() or not raw_t.isdigit():
        raise MalformedSignatureError("the Karla-Signature timestamp t is not Unix seconds")
    if not signatures:
        raise MalformedSignatureError("the Karla-Signature header has no v1 signature")
    return int(raw_t), signatures


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a delivery's ``Karla-Signature`` header against its raw body.

    Args:
        secret: the webhook's secret.
        header: the ``Karla-Signature`` header value (``None`` when it was absent).
        body: the raw request body (never a re-serialised JSON).
        tolerance: how many seconds the timestamp may differ from ``now``.
        now: the current Unix time; read from the clock when left out.

    Returns:
        The verified timestamp (Unix seconds).

    Raises:
        MalformedSignatureError: the header is missing or unparsable.
        StaleSignatureError: the timestamp is outside the tolerance.
        SignatureMismatchError: no ``v1`` value matches.
    """
    timestamp, candidates = _parse_header(header)
    checked_at = time.time() if now is None else now
    if abs(checked_at - timestamp) > tolerance:
        raise StaleSignatureError(timestamp=timestamp, now=checked_at, tolerance=tolerance)
    expected = _digest(secret, body, timestamp)
    matched = False
    for candidate in candidates:
        # Every candidate is compared, so the time taken does not say which one matched.
        well_formed = len(candidate) == len(expected) and set(candidate) <= _HEX_DIGITS
        lowered = candidate.lower() if well_formed else "0" * len(expected)
        matched |= hmac.compare_digest(lowered, expected) and well_formed
    if not matched:
        raise SignatureMismatchError(
            "no v1 signature in Karla-Signature matches the body and the webhook secret "
            "(a wrong secret, or a body altered or re-serialised on the way)"
        )
    return timestamp
