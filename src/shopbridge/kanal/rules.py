"""Kanal's validation rules as data, checked with Laravel's own messages. Pure.

The client checks a record with these rules before sending it, and the Kanal sandbox checks
every request body with the same rules, so a record the client rejects carries exactly the
dot paths and messages the server would answer with in its 422::

    {
        "message": "The customer.phone field is required.",
        "errors": {"customer.phone": ["The customer.phone field is required."]},
    }

Each `FieldRule` mirrors one line of a Laravel rules array (``specs/kanal.md`` §3.1):
``required`` (present and non-null), ``nullable``, ``string|max:N``, ``size:N``, ``email``,
``url``, ``date``, ``numeric|min:0``, ``integer|min:0``, ``array`` and ``in:...``. As Laravel's
default middleware does, strings are trimmed and an empty string counts as null. One message per
field: a value of the wrong type is not also measured against its length.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

__all__ = [
    "CHECKOUT",
    "CHECKOUT_STATUSES",
    "CHECKOUT_UPDATE",
    "CUSTOMER",
    "ORDER",
    "ORDER_UPDATE",
    "SCHEMAS",
    "SHIPMENT",
    "SHIPMENT_STATUSES",
    "FieldRule",
    "Kind",
    "Schema",
    "summary_message",
    "validate",
]

CHECKOUT_STATUSES = ("active", "abandoned", "recovered", "completed", "expired")
SHIPMENT_STATUSES = ("pending", "in_transit", "delivered", "failed", "returned")


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


@frozen(kw_only=True)
class FieldRule:
    """One field's rules.

    Attributes:
        path: the dot path; ``*`` stands for every index of a list (``tags.*``).
        kind: the type the value must have.
        required: must be present and non-null (else: may be omitted).
        nullable: may be null when present (Laravel's ``nullable``).
        max_length: ``max:N`` for strings.
        exact_length: ``size:N`` for strings.
        minimum: ``min:N`` for numbers.
        choices: ``in:...`` values.
        free_form: an object whose keys are the caller's (``metadata``, line items).
    """

    path: str
    kind: Kind
    required: bool = False
    nullable: bool = True
    max_length: int | None = None
    exact_length: int | None = None
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    free_form: bool = False


@frozen
class Schema:
    """The rules of one request body, and the name used in messages about unknown fields."""

    name: str
    rules: tuple[FieldRule, ...]

    def known_keys(self, prefix: str = "") -> frozenset[str]:
        """The keys allowed directly under `prefix` (``""`` for the top level)."""
        keys = set()
        for rule in self.rules:
            if prefix and not rule.path.startswith(prefix + "."):
                continue
            rest = rule.path[len(prefix) + 1 :] if prefix else rule.path
            keys.add(rest.split(".", 1)[0])
        keys.discard("*")
        return frozenset(keys)


def _string(path: str, max_length: int | None = None, *, required: bool = False) -> FieldRule:
    return FieldRule(path=path, kind=Kind.STRING, required=required, max_length=max_length)


def _tags(path: str) -> tuple[FieldRule, ...]:
    # Laravel's `tags.*: string` has no `nullable`: a null element fails the string rule.
    return (
        FieldRule(path=path, kind=Kind.LIST),
        FieldRule(path=f"{path}.*", kind=Kind.STRING, nullable=False),
    )


def _metadata(path: str = "metadata") -> FieldRule:
    return FieldRule(path=path, kind=Kind.OBJECT, free_form=True)


def _customer_fields(prefix: str) -> tuple[FieldRule, ...]:
    return (
        _string(f"{prefix}phone", required=True),
        _string(f"{prefix}external_id", 255),
        _string(f"{prefix}first_name", 255),
        _string(f"{prefix}last_name", 255),
        FieldRule(path=f"{prefix}email", kind=Kind.EMAIL, max_length=255),
        _string(f"{prefix}locale", 10),
        *_tags(f"{prefix}tags"),
        FieldRule(path=f"{prefix}lifetime_value", kind=Kind.INTEGER, minimum=0),
        FieldRule(path=f"{prefix}orders_count", kind=Kind.INTEGER, minimum=0),
    )


def _line_items() -> tuple[FieldRule, ...]:
    return (
        FieldRule(path="line_items", kind=Kind.LIST),
        FieldRule(path="line_items.*", kind=Kind.OBJECT, free_form=True, nullable=False),
    )


_CURRENCY = FieldRule(path="currency", kind=Kind.STRING, exact_length=3)
_TOTAL_PRICE = FieldRule(path="total_price", kind=Kind.NUMBER, required=True, minimum=0)
_CUSTOMER = FieldRule(path="customer", kind=Kind.OBJECT, required=True)

ORDER = Schema(
    "order",
    (
        _string("external_id", 255, required=True),
        FieldRule(path="placed_at", kind=Kind.DATE, required=True),
        _TOTAL_PRICE,
        _CURRENCY,
        _string("financial_status", 64),
        _string("fulfillment_status", 64),
        _CUSTOMER,
        *_customer_fields("customer."),
        *_line_items(),
        *_tags("tags"),
        _metadata(),
    ),
)
"""``POST /orders`` (§3.3)."""

ORDER_UPDATE = Schema(
    "order update",
    (
        _string("financial_status", 64),
        _string("fulfillment_status", 64),
        *_tags("tags"),
        _metadata(),
    ),
)
"""``PATCH /orders/{external_id}`` (§3.4): only the mutable fields."""

CHECKOUT = Schema(
    "checkout",
    (
        _string("external_id", 255, required=True),
        FieldRule(path="abandoned_at", kind=Kind.DATE, required=True),
        _TOTAL_PRICE,
        _CURRENCY,
        FieldRule(path="recovery_url", kind=Kind.URL, max_length=1024),
        _CUSTOMER,
        *_customer_fields("customer."),
        *_line_items(),
        *_tags("tags"),
        _metadata(),
    ),
)
"""``POST /checkouts`` (§3.5); the customer takes the order's shape, extra counters included."""

CHECKOUT_UPDATE = Schema(
    "checkout update",
    (
        FieldRule(path="status", kind=Kind.CHOICE, choices=CHECKOUT_STATUSES, nullable=False),
        FieldRule(path="recovery_url", kind=Kind.URL, max_length=1024),
        *_tags("tags"),
        _metadata(),
    ),
)
"""``PATCH /checkouts/{external_id}`` (§3.6)."""

CUSTOMER = Schema("customer", _customer_fields(""))
"""``POST /customers`` (§3.7); without ``external_id`` the phone is the key."""

SHIPMENT = Schema(
    "shipment",
    (
        _string("external_id", 255, required=True),
        _string("order_external_id", 255, required=True),
        _string("tracking_number", 255),
        FieldRule(path="tracking_url", kind=Kind.URL, max_length=1024),
        _string("carrier", 255),
        FieldRule(path="status", kind=Kind.CHOICE, choices=SHIPMENT_STATUSES),
        _metadata(),
    ),
)
"""``POST /shipments`` (§3.9)."""

SCHEMAS: Mapping[str, Schema] = {
    schema.name: schema
    for schema in (ORDER, ORDER_UPDATE, CHECKOUT, CHECKOUT_UPDATE, CUSTOMER, SHIPMENT)
}

_MISSING = object()
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+|[^@\s]+@[A-Za-z0-9-]+")
_NUMERIC = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def _attribute(path: str) -> str:
    # Laravel's displayable attribute: underscores become spaces, the dots stay.
    return path.replace("_", " ")


def _normalise(value: Any) -> Any:
    # Laravel's TrimStrings and ConvertEmptyStringsToNull middleware run before validation.
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    return value


def _expand(path: str, data: Any) -> Iterator[tuple[str, Any]]:
    """Yield (concrete path, value or _MISSING) for `path`, expanding ``*`` over lists."""
    head, _, rest = path.partition(".")
    if head == "*":
        if not isinstance(data, list):
            return
        for index, item in enumerate(data):
            if rest:
                for sub_path, value in _expand(rest, item):
                    yield f"{index}.{sub_path}", value
            else:
                yield str(index), item
        return
    value = data.get(head, _MISSING) if isinstance(data, dict) else _MISSING
    if not rest:
        yield head, value
        return
    if "*" in rest and not isinstance(value, list | dict):
        return  # nothing to expand below a missing or scalar parent
    for sub_path, sub_value in _expand(rest, value if value is not _MISSING else {}):
        yield f"{head}.{sub_path}", sub_value


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


def _check_string(rule: FieldRule, attribute: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"The {attribute} field must be a string."
    if rule.kind is Kind.EMAIL and _EMAIL.fullmatch(value) is None:
        return f"The {attribute} field must be a valid email address."
    if rule.kind is Kind.URL and not _is_url(value):
        return f"The {attribute} field must be a valid URL."
    if rule.exact_length is not None and len(value) != rule.exact_length:
        return f"The {attribute} field must be {rule.exact_length} characters."
    if rule.max_length is not None and len(value) > rule.max_length:
        return f"The {attribute} field must not be greater than {rule.max_length} characters."
    return None


def _check_number(rule: FieldRule, attribute: str, value: Any) -> str | None:
    if rule.kind is Kind.INTEGER and not _is_integer(value):
        return f"The {attribute} field must be an integer."
    if rule.kind is Kind.NUMBER and not _is_number(value):
        return f"The {attribute} field must be a number."
    number = value if isinstance(value, int | float | Decimal) else float(value)
    if rule.minimum is not None and number < rule.minimum:
        return f"The {attribute} field must be at least {rule.minimum:g}."
    return None


def _check_choice(rule: FieldRule, attribute: str, value: Any) -> str | None:
    return None if value in rule.choices else f"The selected {attribute} is invalid."


def _check_list(_rule: FieldRule, attribute: str, value: Any) -> str | None:
    return None if isinstance(value, list) else f"The {attribute} field must be an array."


def _check_object(_rule: FieldRule, attribute: str, value: Any) -> str | None:
    # Laravel's `array` rule, hence its wording, for JSON objects too.
    return None if isinstance(value, dict) else f"The {attribute} field must be an array."


def _check_date(_rule: FieldRule, attribute: str, value: Any) -> str | None:
    return None if _is_date(value) else f"The {attribute} field must be a valid date."


_CHECKS: Mapping[Kind, Callable[[FieldRule, str, Any], str | None]] = {
    Kind.STRING: _check_string,
    Kind.EMAIL: _check_string,
    Kind.URL: _check_string,
    Kind.DATE: _check_date,
    Kind.NUMBER: _check_number,
    Kind.INTEGER: _check_number,
    Kind.LIST: _check_list,
    Kind.OBJECT: _check_object,
    Kind.CHOICE: _check_choice,
}


def _unknown_keys(schema: Schema, data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    objects: list[tuple[str, Any]] = [("", data)]
    objects.extend(
        (rule.path, data.get(rule.path))
        for rule in schema.rules
        if rule.kind is Kind.OBJECT and not rule.free_form and "." not in rule.path
    )
    for prefix, value in objects:
        if not isinstance(value, Mapping):
            continue
        known = schema.known_keys(prefix)
        for key in value:
            if key not in known:
                path = f"{prefix}.{key}" if prefix else str(key)
                errors[path] = [
                    f"The {_attribute(path)} field is not a Kanal {schema.name} field; Kanal "
                    f"would ignore it. Expected one of: {', '.join(sorted(known))}."
                ]
    return errors


def validate(schema: Schema, data: Any, *, reject_unknown: bool = False) -> dict[str, list[str]]:
    """Check a request body against `schema`.

    Args:
        schema: the rules.
        data: the decoded JSON body.
        reject_unknown: also report keys the schema does not know (the server ignores them;
            the client refuses them, so that a misspelt field is never silently dropped).

    Returns:
        The field errors as Laravel gives them, ``{dot.path: [message]}``, in rule order;
        empty when the body is valid.
    """
    if not isinstance(data, Mapping):
        return {"": [f"The {schema.name} must be a JSON object."]}
    errors: dict[str, list[str]] = {}
    for rule in schema.rules:
        for path, raw in _expand(rule.path, data):
            value = _normalise(raw) if raw is not _MISSING else None
            attribute = _attribute(path)
            if value is None or (rule.required and value in ([], {})):
                if rule.required:
                    errors.setdefault(path, []).append(f"The {attribute} field is required.")
                    continue
                if raw is _MISSING or rule.nullable:
                    continue
            message = _CHECKS[rule.kind](rule, attribute, value)
            if message is not None:
                errors.setdefault(path, []).append(message)
    if reject_unknown:
        for path, messages in _unknown_keys(schema, data).items():
            errors.setdefault(path, []).extend(messages)
    return errors


def summary_message(errors: Mapping[str, list[str]]) -> str:
    """Laravel's 422 ``message``: the first error, and how many more there are."""
    messages = [message for field_messages in errors.values() for message in field_messages]
    if not messages:
        return "The given data was invalid."
    more = len(messages) - 1
    if more == 0:
        return messages[0]
    return f"{messages[0]} (and {more} more error{'s' if more > 1 else ''})"
