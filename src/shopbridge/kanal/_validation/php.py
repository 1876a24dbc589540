"""What PHP makes of a JSON value, where Laravel's rules depend on it. Pure.

Laravel judges the body PHP's ``json_decode`` gave it, after its default middleware:
``TrimStrings`` (``Str::trim``: whitespace and the invisible characters of ``Str``, the
zero-width space and the byte order mark included) then ``ConvertEmptyStringsToNull``. The
client holds Python values before encoding them; `php_value` says what the server will hold
(a `Decimal` is written with its digits, so ``Decimal("12.0")`` is PHP's float 12.0; an int
beyond 64 bits is a float to ``json_decode``).
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "TRIMMED",
    "filter_int",
    "is_numeric",
    "middleware",
    "numeric_size",
    "php_string",
    "php_value",
    "trim",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Str::trim's class: PCRE's \s under /u (White_Space), PHP's trim() defaults and
# Str::INVISIBLE_CHARACTERS.
TRIMMED = frozenset(
    "\t\n\x0b\x0c\r \x00\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u2060"
    "\u2061\u2062\u2063\u2064\u2065\u206a\u206b\u206c\u206d\u206e\u206f\u2800\u3164\ufeff"
    "\uffa0\U0001d159\U0001d173\U0001d174\U0001d175\U0001d176\U0001d177\U0001d178\U0001d179"
    "\U0001d17a\U000e0020"
)
_TRIMMED = "".join(sorted(TRIMMED))


def trim(value: str) -> str:
    """``Str::trim``: `value` without the characters of `TRIMMED` at either end."""
    return value.strip(_TRIMMED)


def middleware(value: Any) -> Any:
    """`value` after TrimStrings and ConvertEmptyStringsToNull, recursively (a new value)."""
    if type(value) is str:
        return trim(value) or None
    if type(value) is dict:
        return {key: middleware(item) for key, item in value.items()}
    if type(value) is list:
        return [middleware(item) for item in value]
    return value


def php_value(value: Any) -> Any:  # noqa: PLR0911 - one answer per JSON type
    """The value ``json_decode`` gives for the JSON the client writes of `value`."""
    kind = type(value)
    if kind is int:
        if INT64_MIN <= value <= INT64_MAX:
            return value
        try:
            return float(value)
        except OverflowError:  # json_decode reads such a literal as INF
            return math.inf if value > 0 else -math.inf
    if kind is tuple:
        return list(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return value  # never encoded: checks refuse what is not a number
        text = str(value)
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return php_value(int(text))
    if isinstance(value, date):  # datetime too: the encoder writes ISO 8601
        return value.isoformat()
    return value


def _float_string(number: float) -> str:
    # PHP's (string) of a float: precision 14, "%G"-like, with ".0" in a bare mantissa.
    if math.isnan(number):
        return "NAN"
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    text = f"{number:.14G}"
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{'-' if exponent[0] == '-' else '+'}{int(exponent[1:])}"


def php_string(value: Any) -> str:
    """PHP's ``(string)`` of a scalar (``mb_strlen`` measures this): true is "1", null ""."""
    if type(value) is str:
        return value
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    if type(value) is float:
        return _float_string(value)
    return str(value)


_SPACE = r"[ \t\n\r\x0b\x0c]*"
_NUMERIC = re.compile(rf"{_SPACE}[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?{_SPACE}")


def is_numeric(value: Any) -> bool:
    """PHP 8's ``is_numeric``: an int, a float, or a numeric string (no bool, no hex)."""
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return math.isfinite(value)  # JSON has no NaN or infinity
    return kind is str and _NUMERIC.fullmatch(value) is not None


def numeric_size(value: Any) -> Decimal | None:
    """``getSize`` of a numeric value, or ``None`` when Laravel's comparison throws.

    Laravel refuses a scientific exponent beyond ±1000 (``ensureExponentWithinAllowedRange``).
    """
    text = php_string(value).strip(" \t\n\r\x0b\x00")
    if "e" in text or "E" in text:
        exponent = text.lower().rsplit("e", 1)[1]
        if not -1000 <= int(exponent) <= 1000:
            return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def filter_int(value: Any) -> bool:
    """``filter_var($value, FILTER_VALIDATE_INT) !== false``: PHP's integer check.

    The value is made a string first (a float 1.0 is "1", true "1", 1e15 "1.0E+15"); then
    an optional sign, no leading zero ("007" fails, "0" and "-0" pass) and 64 bits at most.
    """
    if type(value) is int:
        return INT64_MIN <= value <= INT64_MAX
    if type(value) in (list, dict) or value is None:
        return False
    text = php_string(value).strip(" \t\n\r\x0b\x00")
    if text == "0":
        return True
    digits = text[1:] if text[:1] in ("+", "-") else text
    if digits == "0":
        return True
    if not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    return INT64_MIN <= int(text) <= INT64_MAX
