"""pydantic v2's lax mode for the scalar types Karla's schemas use, by hand. Pure: stdlib only.

Karla runs FastAPI, which validates a JSON body with pydantic v2 in lax (Python) mode: ``"2"``,
``2.0`` and ``True`` are integers, ``"49.90"`` is a number, ``"yes"`` and ``1`` are booleans,
``1706539727`` and ``"2024-01-29t14:48:47z"`` are datetimes. Each function here takes a decoded
JSON value and returns either the value pydantic would produce or a `Refusal` carrying
pydantic's error ``type`` and its exact ``msg``, reason suffix included (the templates of
pydantic-core's ``src/errors/types.rs``; the datetime reasons are speedate's, the UUID ones the
``uuid`` crate's, the URL ones the ``url`` crate's). The client's validation and the Karla
sandbox both use them, so the two cannot disagree, and ``tests/karla/conformance`` holds both to
a real FastAPI app.

Ported from pydantic-core's ``src/input/shared.rs`` (``str_as_int``, ``str_as_float``,
``str_as_bool``), ``src/validators/datetime.rs`` (a datetime falls back to a date) and
speedate's ``DateTime::parse_bytes_with_config`` / ``Date::parse_bytes_with_config``.
"""

from __future__ import annotations

import math
import re
import urllib.parse
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from shopbridge.karla import _speedate

__all__ = ["Refusal", "as_bool", "as_datetime", "as_float", "as_int", "as_url", "as_uuid"]


class Refusal(NamedTuple):
    """Why pydantic refuses a value: its error ``type`` and ``msg``, and the ``ctx`` if any."""

    type: str
    msg: str
    ctx: dict[str, Any] | None = None


_INT_TYPE = Refusal("int_type", "Input should be a valid integer")
_INT_PARSING = Refusal(
    "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
)
_INT_FROM_FLOAT = Refusal(
    "int_from_float", "Input should be a valid integer, got a number with a fractional part"
)
_FINITE = Refusal("finite_number", "Input should be a finite number")
_FLOAT_TYPE = Refusal("float_type", "Input should be a valid number")
_FLOAT_PARSING = Refusal(
    "float_parsing", "Input should be a valid number, unable to parse string as a number"
)
_BOOL_TYPE = Refusal("bool_type", "Input should be a valid boolean")
_BOOL_PARSING = Refusal(
    "bool_parsing", "Input should be a valid boolean, unable to interpret input"
)
_DATETIME_TYPE = Refusal("datetime_type", "Input should be a valid datetime")
_UUID_TYPE = Refusal("uuid_type", "UUID input should be a string, bytes or UUID object")
_URL_TYPE = Refusal("url_type", "URL input should be a string or URL")

# JSON's integer grammar, which jiter (pydantic's number reader) tries first.
_JSON_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
# Rust's `f64::from_str` grammar (ASCII digits only, words in any case).
_RUST_FLOAT = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)",
    re.IGNORECASE,
)
_FALSE_WORDS = frozenset({"0", "f", "n", "no", "off", "false"})
_TRUE_WORDS = frozenset({"1", "t", "y", "on", "yes", "true"})


def _strip_underscores(text: str) -> str | None:
    if text.startswith("_") or text.endswith("_") or "_" not in text or "__" in text:
        return None
    return text.replace("_", "")


def _strip_leading_zeros(text: str) -> str | None:
    if not text or not (text[0] == "-" or "0" <= text[0] <= "9"):
        return None
    if text[0] != "0":
        return text
    for index, char in enumerate(text[1:], start=1):
        if char in "0_":
            continue
        if "1" <= char <= "9" or char == "-":
            return text[index:]
        if char == ".":
            return text[index - 1 :]
        return None
    return text[-1]


def _clean_int_text(text: str) -> str | None:
    """pydantic-core's ``clean_int_str``: the text jiter reads again, or ``None``."""
    before = len(text)
    text = text.strip()
    if text.startswith("+"):
        if text[1:].startswith("-"):
            return None
        text = text[1:]
    negative = text.startswith("-")
    if negative:
        if text[1:2] in ("-", "+"):
            return None
        text = text[1:]
    stripped = _strip_leading_zeros(text)
    if stripped is None:
        return None
    text = stripped
    point = text.find(".")
    if point >= 0:
        decimals = text[point + 1 :]
        if decimals and set(decimals) == {"0"}:
            text = text[:point]
    without = _strip_underscores(text)
    if without is not None:
        return f"-{without}" if negative else without
    if len(text) == before:
        return None
    return f"-{text}" if negative else text


def as_int(value: Any) -> int | Refusal:  # noqa: PLR0911 - one return per input type
    """``int`` in lax mode: integers, booleans, integral floats and integer strings."""
    if isinstance(value, int):  # bool included: True is 1
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return _FINITE
        return int(value) if value.is_integer() else _INT_FROM_FLOAT
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _FINITE
        return int(value) if value == value.to_integral_value() else _INT_FROM_FLOAT
    if isinstance(value, str):
        if _JSON_INT.fullmatch(value):
            return int(value)
        cleaned = _clean_int_text(value)
        if cleaned is not None and _JSON_INT.fullmatch(cleaned):
            return int(cleaned)
        return _INT_PARSING
    return _INT_TYPE


def _rust_float(text: str) -> float | None:
    return float(text) if _RUST_FLOAT.fullmatch(text) else None


def as_float(value: Any) -> float | Refusal:
    """``float`` in lax mode: numbers, booleans and numeric strings (``nan`` and ``inf`` too)."""
    if isinstance(value, int | float | Decimal):
        try:
            return float(value)
        except OverflowError:  # an int beyond float range: pydantic says it is no number
            return _FLOAT_TYPE
    if isinstance(value, str):
        number = _rust_float(value.strip())
        if number is None:
            without = _strip_underscores(value)
            number = None if without is None else _rust_float(without)
        return _FLOAT_PARSING if number is None else number
    return _FLOAT_TYPE


def as_bool(value: Any) -> bool | Refusal:
    """``bool`` in lax mode: booleans, 0 and 1, and pydantic's words (``"yes"``, ``"off"``...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.lower() if value.isascii() else value
        if word in _FALSE_WORDS:
            return False
        return True if word in _TRUE_WORDS else _BOOL_PARSING
    if isinstance(value, int | float | Decimal):
        if value in (0, 1):
            return value == 1
        # An int other than 0 or 1 is "unable to interpret"; any other number is no boolean.
        return _BOOL_PARSING if isinstance(value, int) else _BOOL_TYPE
    return _BOOL_TYPE


_YEAR_ZERO = Refusal(
    "datetime_parsing",
    "Input should be a valid datetime, year 0 is out of range",
    {"error": "year 0 is out of range"},
)


def _text_as_datetime(text: str) -> datetime | Refusal:
    try:
        return _speedate.parse_datetime(text)
    except _speedate.SpeedateError:
        pass
    # pydantic-core then reads a date alone (midnight), and shows the date parser's reason.
    try:
        day = _speedate.parse_date(text)
    except _speedate.SpeedateError as exc:
        reason = str(exc)
        return Refusal(
            "datetime_from_date_parsing",
            f"Input should be a valid datetime or date, {reason}",
            {"error": reason},
        )
    return datetime(day.year, day.month, day.day)


def _number_as_datetime(number: int | float | Decimal) -> datetime:
    if isinstance(number, int):
        return _speedate.from_timestamp(number)
    number = float(number)
    if math.isnan(number):
        raise _speedate.SpeedateError("NaN values not permitted")
    if math.isinf(number):
        edge = "after 9999" if number > 0 else "before 0000"
        raise _speedate.SpeedateError(f"dates {edge} are not supported as unix timestamps")
    scale = 1_000 if abs(number) > _speedate.MS_WATERSHED else 1_000_000
    return _speedate.from_timestamp(math.floor(number), round(abs(math.modf(number)[0]) * scale))


def as_datetime(value: Any) -> datetime | Refusal:  # noqa: PLR0911 - one return per input type
    """``datetime`` in lax mode.

    RFC 3339-like text (``t``, ``z``, ``_`` or a space allowed), a date alone (midnight), or
    Unix seconds (milliseconds past 2e10) as a number or as digits. A datetime without an offset
    stays naive, as pydantic leaves it.
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return _DATETIME_TYPE
    try:
        if isinstance(value, str):
            return _text_as_datetime(value)
        return _number_as_datetime(value)
    except _speedate.YearZeroError:
        return _YEAR_ZERO
    except _speedate.SpeedateError as exc:
        reason = str(exc)
        return Refusal(
            "datetime_parsing", f"Input should be a valid datetime, {reason}", {"error": reason}
        )


# -- UUIDs: the `uuid` crate's parser and its words ----------------------------------------------

_HEX = frozenset("0123456789abcdefABCDEF")
_HYPHENATED = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_BLOCK_STARTS = (0, 9, 14, 19, 24)


def _uuid_body(text: str) -> str | None:
    """The hex digits of `text` when ``Uuid::parse_str`` takes it, else ``None``."""
    if len(text) == 32 and set(text) <= _HEX:
        return text
    if len(text) == 38 and text[0] == "{" and text[-1] == "}":
        text = text[1:-1]
    elif len(text) == 45 and text.startswith("urn:uuid:"):
        text = text[9:]
    return text if len(text) == 36 and _HYPHENATED.fullmatch(text) else None


def _uuid_problem(text: str) -> str:
    """The ``uuid`` crate's ``InvalidUuid::into_err``: why `text` is no UUID."""
    simple = False
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        body, offset = text[1:-1], 1
    elif text.startswith("urn:uuid:"):
        body, offset = text[9:], 9
    else:
        body, offset, simple = text, 0, True
    hyphens: list[int] = []
    for index, char in enumerate(body):
        if char == "-":
            hyphens.append(index)
        elif char not in _HEX:
            at = len(body[:index].encode()) + offset  # the crate counts bytes
            return f"invalid character: found `{char}` at {at}"
    if not hyphens and simple:
        return f"invalid length: found {len(text.encode())}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    expected = (8, 4, 4, 4, 12)
    for group in range(4):
        if hyphens[group] != _BLOCK_STARTS[group + 1] - 1:
            found = hyphens[group] - _BLOCK_STARTS[group]
            return (
                f"invalid group length in group {group}: expected {expected[group]}, found {found}"
            )
    return f"invalid group length in group 4: expected 12, found {len(body) - _BLOCK_STARTS[4]}"


def as_uuid(value: Any) -> uuid.UUID | Refusal:
    """``UUID``: the hyphenated, simple (32 digits), braced or ``urn:uuid:`` form of a string."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return _UUID_TYPE
    body = _uuid_body(value)
    if body is None:
        problem = _uuid_problem(value)
        return Refusal(
            "uuid_parsing", f"Input should be a valid UUID, {problem}", {"error": problem}
        )
    return uuid.UUID(body)


# -- URLs: the WHATWG rules of the `url` crate, the part a webhook URL meets ---------------------

_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "file"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# The code points `domain_to_ascii` refuses in a host (WHATWG's forbidden domain code points).
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")


def _url_problem(text: str) -> str | None:  # noqa: PLR0911 - one return per refusal
    text = text.strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12"
        "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    text = re.sub(r"[\t\n\r]", "", text)
    scheme = _SCHEME.match(text)
    if scheme is None:
        return "relative URL without a base"
    name = scheme.group()[:-1].lower()
    if name not in _SPECIAL_SCHEMES:
        return None  # `mailto:x`, `urn:y`: opaque paths the parser takes as they are
    rest = text[scheme.end() :].lstrip("/\\")
    authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, port = hostport.partition("]")
        if not host[1:] or re.fullmatch(r"[0-9A-Fa-f:.]+", host[1:]) is None:
            return "invalid IPv6 address"
        if port and not port.startswith(":"):
            return "invalid IPv6 address"
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    if port and (not port.isascii() or not port.isdigit() or int(port) > 65535):
        return "invalid port number"
    if not host:
        return None if name == "file" else "empty host"
    if hostport.startswith("["):
        return None
    try:
        host = urllib.parse.unquote(host, errors="strict")
    except UnicodeDecodeError:
        return "invalid international domain name"
    if _FORBIDDEN_HOST.search(host) or not all(map(_is_idn_label, host.split("."))):
        return "invalid international domain name"
    labels = host.split(".")
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    if _IPV4_PART.fullmatch(last):
        return _ipv4_problem(labels)
    return None


def _is_idn_label(label: str) -> bool:
    if label[:4].lower() != "xn--":
        return True
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return False
    return bool(decoded) and not decoded.isascii() and decoded.isprintable()


def _ipv4_problem(labels: list[str]) -> str | None:
    if labels[-1] == "":
        labels = labels[:-1]
    numbers: list[int] = []
    for label in labels:
        if not label or _IPV4_PART.fullmatch(label) is None:
            return "invalid IPv4 address"
        if label[:2] in ("0x", "0X"):
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if any(char not in "01234567" for char in label):
                return "invalid IPv4 address"
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    if len(numbers) > 4 or any(number > 255 for number in numbers[:-1]):
        return "invalid IPv4 address"
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        return "invalid IPv4 address"
    return None


def as_url(value: Any, *, max_length: int | None = None) -> str | Refusal:
    """``AnyUrl`` (optionally with ``UrlConstraints(max_length=...)``): an absolute URL.

    Returns:
        The text as given (Karla keeps its own normalised copy), or the refusal.
    """
    if not isinstance(value, str):
        return _URL_TYPE
    if max_length is not None and len(value) > max_length:
        plural = "" if max_length == 1 else "s"
        return Refusal(
            "url_too_long",
            f"URL should have at most {max_length} character{plural}",
            {"max_length": max_length},
        )
    if not value:
        return Refusal(
            "url_parsing",
            "Input should be a valid URL, input is empty",
            {"error": "input is empty"},
        )
    problem = _url_problem(value)
    if problem is not None:
        return Refusal("url_parsing", f"Input should be a valid URL, {problem}", {"error": problem})
    return value
