"""How Laravel's validation rules judge one value, in Laravel's English. Pure.

`compile_check` turns one field's rules into a `Check`: a function of the field's displayable
attribute name and a value that is there (present, and non-null unless the field is not
``nullable``) that returns Laravel's messages, or ``None``. As ``Validator::passes`` does
without ``bail``, every rule of the field is tried and each failing one adds its message
(``-1.5`` for ``integer|min:0`` is both "must be an integer" and "must be at least 0"); the
size rules (``size``, ``max``, ``min``) measure as ``getSize`` does: the number itself under a
numeric rule, an array's count, else the length of PHP's string of the value.

Values a client holds before encoding count as the JSON it writes of them
(`shopbridge.kanal._validation.php.php_value`): a `datetime` is its ISO 8601 text, a tuple
an array, a `Decimal` its digits.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeAlias

from shopbridge.kanal._validation.dates import is_date
from shopbridge.kanal._validation.emails import is_email
from shopbridge.kanal._validation.php import (
    filter_int,
    is_numeric,
    numeric_size,
    php_string,
    php_value,
)
from shopbridge.kanal._validation.urls import is_url

__all__ = ["Check", "Kind", "attribute", "compile_check", "laravel_rules"]


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


Check: TypeAlias = Callable[[str, Any], "list[str] | None"]
"""``(attribute, value) -> Laravel's messages, or None when the value passes every rule``."""


def attribute(path: str) -> str:
    """Laravel's displayable attribute of a plain rule: underscores become spaces, dots stay.

    An attribute expanded from a ``*`` rule (``tags.1``, ``line_items.0``) is shown raw.
    """
    return path.replace("_", " ")


def laravel_rules(
    kind: Kind,
    *,
    exact_length: int | None = None,
    max_length: int | None = None,
    minimum: float | None = None,
    choices: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """The Laravel rules, in order, that follow ``required``/``nullable`` for this field."""
    if kind is Kind.CHOICE:
        return ("in:" + ",".join(choices),)
    if kind in (Kind.LIST, Kind.OBJECT):
        return ("array",)
    if kind is Kind.DATE:
        return ("date",)
    if kind in (Kind.NUMBER, Kind.INTEGER):
        return (kind.value, *(() if minimum is None else (f"min:{minimum:g}",)))
    rules = ["string"]
    if kind in (Kind.EMAIL, Kind.URL):
        rules.append(kind.value)
    if exact_length is not None:
        rules.append(f"size:{exact_length}")
    if max_length is not None:
        rules.append(f"max:{max_length}")
    return tuple(rules)


def _string_size(value: Any) -> int:
    # getSize without a numeric rule: an array's count, else mb_strlen of PHP's string.
    if type(value) in (list, dict):
        return len(value)
    return len(php_string(value))


def _string_check(
    kind: Kind, exact_length: int | None, max_length: int | None
) -> Callable[[str, Any], list[str] | None]:
    email, url = kind is Kind.EMAIL, kind is Kind.URL

    def check(attribute: str, value: Any) -> list[str] | None:
        value = php_value(value)
        messages = []
        if type(value) is not str:
            messages.append(f"The {attribute} field must be a string.")
        if email and not is_email(value):
            messages.append(f"The {attribute} field must be a valid email address.")
        if url and not is_url(value):
            messages.append(f"The {attribute} field must be a valid URL.")
        if exact_length is not None and _string_size(value) != exact_length:
            messages.append(f"The {attribute} field must be {exact_length} characters.")
        if max_length is not None and _string_size(value) > max_length:
            messages.append(
                f"The {attribute} field must not be greater than {max_length} characters."
            )
        return messages or None

    return check


def _at_least(value: Any, minimum: Decimal) -> bool:
    """``min:N`` under a numeric rule (``getSize``, then a BigNumber comparison)."""
    if is_numeric(value):
        size = numeric_size(value)
        return size is not None and size >= minimum
    return _string_size(value) >= minimum


def _number_check(kind: Kind, minimum: float | None) -> Callable[[str, Any], list[str] | None]:
    integer = kind is Kind.INTEGER
    low = None if minimum is None else Decimal(f"{minimum:g}")
    shown = "" if minimum is None else f"{minimum:g}"

    def check(attribute: str, value: Any) -> list[str] | None:
        value = php_value(value)
        messages = []
        if integer and not filter_int(value):
            messages.append(f"The {attribute} field must be an integer.")
        if not integer and not is_numeric(value):
            messages.append(f"The {attribute} field must be a number.")
        if low is not None and not _at_least(value, low):
            messages.append(f"The {attribute} field must be at least {shown}.")
        return messages or None

    return check


def _choice_check(choices: tuple[str, ...]) -> Callable[[str, Any], list[str] | None]:
    def check(attribute: str, value: Any) -> list[str] | None:
        # in: an array never passes (no `array` rule here); a scalar is compared as a string.
        value = php_value(value)
        if type(value) not in (list, dict) and php_string(value) in choices:
            return None
        return [f"The selected {attribute} is invalid."]

    return check


def _array_check(attribute: str, value: Any) -> list[str] | None:
    # PHP has one array for JSON lists and objects: `array` takes either.
    if type(value) in (list, dict, tuple):
        return None
    return [f"The {attribute} field must be an array."]


def _date_check(attribute: str, value: Any) -> list[str] | None:
    if is_date(php_value(value)):
        return None
    return [f"The {attribute} field must be a valid date."]


def compile_check(
    kind: Kind,
    *,
    exact_length: int | None = None,
    max_length: int | None = None,
    minimum: float | None = None,
    choices: tuple[str, ...] = (),
) -> Check:
    """The check for one field's rules (those of `laravel_rules`)."""
    if kind in (Kind.STRING, Kind.EMAIL, Kind.URL):
        return _string_check(kind, exact_length, max_length)
    if kind in (Kind.NUMBER, Kind.INTEGER):
        return _number_check(kind, minimum)
    if kind is Kind.CHOICE:
        return _choice_check(choices)
    if kind in (Kind.LIST, Kind.OBJECT):
        return _array_check
    return _date_check
