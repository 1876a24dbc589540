"""How Laravel's validation rules judge one value, in Laravel's English. Pure.

`compile_check` turns one field's rules into a `Check`: a function of the field's displayable
attribute name and a value (present, non-null, trimmed) that returns Laravel's message or
``None``. The rules are bound into the function once, so that checking a record costs no
lookups of them. Values a client holds before encoding count as their JSON form: a `datetime`
is a date, a tuple an array, a `Decimal` a number.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias
from urllib.parse import urlsplit

__all__ = ["Check", "Kind", "attribute", "compile_check"]


class Kind(enum.Enum):
    """The type a field must have."""

    STRING = "string"
    EMAIL = "email"
    URL = "url"
    DATE = "date"
    NUMBER = "numeric"
    INTEGER = "integer"
    LIST = "array"
    OBJECT = "object"
    CHOICE = "in"


Check: TypeAlias = Callable[[str, Any], "str | None"]
"""``(attribute, value) -> Laravel's message, or None when the value passes``."""


def attribute(path: str) -> str:
    """Laravel's displayable attribute: underscores become spaces, the dots stay."""
    return path.replace("_", " ")


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+|[^@\s]+@[A-Za-z0-9-]+")
_NUMERIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, str) and _NUMERIC.fullmatch(value) is not None


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return isinstance(value, str) and _INTEGER.fullmatch(value) is not None


def _is_date(value: Any) -> bool:
    if isinstance(value, date):  # datetime too: the encoder writes it as ISO 8601
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_url(value: str) -> bool:
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return _SCHEME.fullmatch(parts.scheme) is not None and bool(parts.hostname)


def _string_check(kind: Kind, exact_length: int | None, max_length: int | None) -> Check:
    email, url = kind is Kind.EMAIL, kind is Kind.URL

    def check(attribute: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return f"The {attribute} field must be a string."
        if email and _EMAIL.fullmatch(value) is None:
            return f"The {attribute} field must be a valid email address."
        if url and not _is_url(value):
            return f"The {attribute} field must be a valid URL."
        if exact_length is not None and len(value) != exact_length:
            return f"The {attribute} field must be {exact_length} characters."
        if max_length is not None and len(value) > max_length:
            return f"The {attribute} field must not be greater than {max_length} characters."
        return None

    return check


def _number_check(kind: Kind, minimum: float | None) -> Check:
    integer = kind is Kind.INTEGER

    def check(attribute: str, value: Any) -> str | None:
        if integer and not _is_integer(value):
            return f"The {attribute} field must be an integer."
        if not integer and not _is_number(value):
            return f"The {attribute} field must be a number."
        number = value if isinstance(value, int | float | Decimal) else float(value)
        if minimum is not None and number < minimum:
            return f"The {attribute} field must be at least {minimum:g}."
        return None

    return check


def _choice_check(choices: tuple[str, ...]) -> Check:
    def check(attribute: str, value: Any) -> str | None:
        return None if value in choices else f"The selected {attribute} is invalid."

    return check


def _list_check(attribute: str, value: Any) -> str | None:
    return None if isinstance(value, list | tuple) else f"The {attribute} field must be an array."


def _object_check(attribute: str, value: Any) -> str | None:
    # Laravel's `array` rule, hence its wording, for JSON objects too.
    return None if isinstance(value, dict) else f"The {attribute} field must be an array."


def _date_check(attribute: str, value: Any) -> str | None:
    return None if _is_date(value) else f"The {attribute} field must be a valid date."


def compile_check(
    kind: Kind,
    *,
    exact_length: int | None = None,
    max_length: int | None = None,
    minimum: float | None = None,
    choices: tuple[str, ...] = (),
) -> Check:
    """The check for one field's rules."""
    if kind in (Kind.STRING, Kind.EMAIL, Kind.URL):
        return _string_check(kind, exact_length, max_length)
    if kind in (Kind.NUMBER, Kind.INTEGER):
        return _number_check(kind, minimum)
    if kind is Kind.CHOICE:
        return _choice_check(choices)
    if kind is Kind.LIST:
        return _list_check
    if kind is Kind.OBJECT:
        return _object_check
    return _date_check
