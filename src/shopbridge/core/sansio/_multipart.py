"""One file as ``multipart/form-data`` bytes (RFC 7578): the body of an upload, encoded once.

The engine resends a request's body as it is, byte for byte, on every attempt: an upload must be
bytes before the first one. aiohttp's ``FormData`` cannot be that: it is consumed by the request
that sends it (a retry would need a new one, with a new boundary), and only
`shopbridge.core._transport` may import aiohttp. This module is pure: bytes in, bytes out, no
socket, no file, no randomness: `shopbridge.core._bodies` draws the boundary.

A file's name is quoted as HTML's form submission does it (``"`` as ``%22``, CR as ``%0D``, LF
as ``%0A``), and further: anything outside printable ASCII, a backslash and ``%`` itself are
percent-encoded (RFC 7578 §4.2), so no name can end the quoted string, start a header or be
read differently by a server that unescapes backslashes. Spaces stay as they are, except at
either end, where a parser would strip them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["encode_file", "is_media_type"]

_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE = re.compile(f"{_NAME}/{_NAME}")
"""``type/subtype`` as RFC 6838 §4.2 restricts their names: no parameter, no space, no CR/LF."""

_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=?]{1,70}")
"""The boundary characters of RFC 2046 §5.1.1, without the space (it would need quoting)."""

# Printable ASCII a quoted-string may hold as is: not `"` nor `\` (they end or escape it), not
# `%` (it starts an escape of our own), not controls (CR and LF would start a header).
_SAFE_IN_QUOTES = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) not in '"\\%')


def is_media_type(value: str) -> bool:
    """Whether `value` is a bare ``type/subtype`` that may go into a header as it is."""
    return _MEDIA_TYPE.fullmatch(value) is not None


def _quoted(value: str) -> str:
    text = quote(value, safe=_SAFE_IN_QUOTES, encoding="utf-8", errors="strict")
    core = text.strip(" ")
    if core != text:
        # Parsers strip a parameter's edge whitespace (the stdlib's does): escape it to keep it.
        lead = len(text) - len(text.lstrip(" ")) if core else len(text)
        trail = len(text) - len(text.rstrip(" ")) if core else 0
        text = "%20" * lead + core + "%20" * trail
    return f'"{text}"'


def encode_file(
    *,
    name: str,
    filename: str,
    content_type: str,
    data: bytes,
    boundary: str,
) -> tuple[bytes, str]:
    """Encode one file field as a ``multipart/form-data`` body.

    Args:
        name: the form field's name (Karla's uploads: ``image``).
        filename: the file's name as the server will see it; quoted safely, whatever it holds.
        content_type: the part's media type, a bare ``type/subtype``.
        data: the file's bytes.
        boundary: the boundary (RFC 2046 bchars, 1-70 of them), absent from `data`.

    Returns:
        ``(body, content_type_header)``: the bytes to send, and the ``Content-Type`` header
        value that names their boundary.

    Raises:
        ValueError: `content_type` is not a bare ``type/subtype``, `boundary` is not a valid
            boundary, the given `boundary` occurs in `data`, or a name holds a lone surrogate
            (not text UTF-8 can encode).
    """
    if not is_media_type(content_type):
        msg = f"content_type must be a bare type/subtype such as 'image/png', got {content_type!r}"
        raise ValueError(msg)
    if _BOUNDARY.fullmatch(boundary) is None:
        msg = f"boundary must be 1-70 characters of RFC 2046 bchars, got {boundary!r}"
        raise ValueError(msg)
    if boundary.encode("ascii") in data:
        msg = "boundary occurs in the file's bytes; pick another or let one be drawn"
        raise ValueError(msg)
    delimiter = f"--{boundary}".encode("ascii")
    head = (
        f"Content-Disposition: form-data; name={_quoted(name)}; filename={_quoted(filename)}\r\n"
        f"Content-Type: {content_type}\r\n"
        "\r\n"
    ).encode("ascii")
    body = b"".join((delimiter, b"\r\n", head, data, b"\r\n", delimiter, b"--\r\n"))
    return body, f"multipart/form-data; boundary={boundary}"
