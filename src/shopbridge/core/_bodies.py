"""Request and response bodies as bytes: JSON with exact decimals, and one file as multipart.

A body is encoded once per call: every retry resends the same bytes. The multipart encoding
itself is pure (`shopbridge.core.sansio._multipart`); drawing its random boundary is done here.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

import orjson

from shopbridge.core.sansio import _multipart

__all__ = ["decode_json", "encode_file", "encode_json"]


def _json_default(value: object) -> object:
    if isinstance(value, Decimal) and value.is_finite():
        # Exact digits on the wire: 49.90 stays "49.90", never 49.899999999999999.
        return orjson.Fragment(str(value))
    msg = f"{type(value).__name__} is not JSON serialisable"
    raise TypeError(msg)


def encode_json(payload: object) -> bytes:
    """Encode a request body; `Decimal` keeps its exact digits."""
    return orjson.dumps(payload, default=_json_default)


def decode_json(body: bytes) -> Any:
    """A response body decoded as JSON, or ``None`` when it is empty or not JSON."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def encode_file(
    *,
    name: str,
    filename: str,
    content_type: str,
    data: bytes,
    boundary: str | None = None,
) -> tuple[bytes, str]:
    """Encode one file field as a ``multipart/form-data`` body, with a fresh random boundary.

    Args:
        name: the form field's name (Karla's uploads: ``image``).
        filename: the file's name as the server will see it; quoted safely, whatever it holds.
        content_type: the part's media type, a bare ``type/subtype``.
        data: the file's bytes.
        boundary: the boundary; by default a random one. Given only to make a body
            reproducible (tests).

    Returns:
        ``(body, content_type_header)``, as `shopbridge.core.sansio._multipart.encode_file`.

    Raises:
        ValueError: as `shopbridge.core.sansio._multipart.encode_file`.
    """
    if boundary is None:
        # 128 random bits: that the file holds it is all but impossible, but cheap to rule out.
        boundary = f"shopbridge-{secrets.token_hex(16)}"
        while boundary.encode("ascii") in data:  # pragma: no cover - 2**-128 per position
            boundary = f"shopbridge-{secrets.token_hex(16)}"
    return _multipart.encode_file(
        name=name, filename=filename, content_type=content_type, data=data, boundary=boundary
    )
