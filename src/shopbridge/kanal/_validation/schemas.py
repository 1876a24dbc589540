"""Kanal's validation rules as data, checked with Laravel's own messages. Pure.

The client checks a record with these rules before sending it, and the Kanal sandbox checks
every request body with the same rules, so a record the client rejects carries exactly the
dot paths and messages the server would answer with in its 422::

    {
        "message": "The customer.phone field is required.",
        "errors": {"customer.phone": ["The customer.phone field is required."]},
    }

Each `FieldRule` mirrors one line of a Laravel rules array (``specs/kanal.md`` §3.1; its
`FieldRule.laravel` shows it): ``required`` (present and non-null), ``nullable``,
``string|max:N``, ``size:N``, ``email``, ``url``, ``date``, ``numeric|min:0``,
``integer|min:0``, ``array`` and ``in:...``. The body is judged as the server holds it after
Laravel's default middleware (TrimStrings, ConvertEmptyStringsToNull; see
`shopbridge.kanal._validation.php`), and as ``Validator::passes`` judges it: every failing
rule of a field gives its message (no ``bail``), a failed ``required`` stops the field, the
attributes a ``*`` rule expands to (``tags.1``) come after every plain attribute and are shown
raw ("The line_items.0 field must be an array.").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import Factory, field, frozen

from shopbridge.kanal._validation.checks import Check, Kind, attribute
from shopbridge.kanal._validation.compiled import CompiledFields, compile_fields
from shopbridge.kanal._validation.fields import FieldRule
from shopbridge.kanal._validation.php import trim

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

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
    "Check",
    "FieldRule",
    "Kind",
    "Schema",
    "summary_message",
    "validate",
]

CHECKOUT_STATUSES = ("active", "abandoned", "recovered", "completed", "expired")
SHIPMENT_STATUSES = ("pending", "in_transit", "delivered", "failed", "returned")


def _known_keys(rules: tuple[FieldRule, ...], prefix: str) -> frozenset[str]:
    keys = set()
    for rule in rules:
        if prefix and not rule.path.startswith(prefix + "."):
            continue
        rest = rule.path[len(prefix) + 1 :] if prefix else rule.path
        keys.add(rest.split(".", 1)[0])
    keys.discard("*")
    return frozenset(keys)


def _checked_objects(rules: tuple[FieldRule, ...]) -> dict[str, frozenset[str]]:
    # The top level, and each top-level object whose keys are Kanal's (not `metadata`).
    prefixes = [""] + [
        rule.path
        for rule in rules
        if rule.kind is Kind.OBJECT and not rule.free_form and len(rule.parts) == 1
    ]
    return {prefix: _known_keys(rules, prefix) for prefix in prefixes}


_MISSING = object()


def _lookup(data: Any, parts: tuple[str, ...]) -> Any:
    value = data
    for part in parts:
        value = value.get(part, _MISSING) if type(value) is dict else _MISSING
    return value


def _expand(rule: FieldRule, data: Any) -> Iterator[tuple[str, str, Any]]:
    """(path, displayed attribute, value) for each item of the array at the ``*``.

    In Laravel's order: ``ValidationData`` gathers the items from ``Arr::dot`` of the data, so
    the items that are scalars (or empty arrays) come first, then the others, each group in
    the array's order.
    """
    items = _lookup(data, rule.parts[:-1])
    if type(items) is dict:
        pairs: Iterable[tuple[Any, Any]] = items.items()
    elif type(items) is list or type(items) is tuple:
        pairs = enumerate(items)
    else:
        return
    head = rule.path[:-1]
    nested = []
    for key, item in pairs:
        if (type(item) is list or type(item) is dict or type(item) is tuple) and item:
            nested.append((key, item))
            continue
        yield _expanded(head, key, item)
    for key, item in nested:
        yield _expanded(head, key, item)


def _expanded(head: str, key: Any, item: Any) -> tuple[str, str, Any]:
    path = head + str(key)
    # Laravel escapes dots in keys; such an attribute is then not known as expanded.
    shown = path if "." not in str(key) and "*" not in str(key) else attribute(path)
    return path, shown, item


def _add(errors: dict[str, list[str]], path: str, messages: list[str]) -> None:
    known = errors.get(path)
    if known is None:
        errors[path] = messages
    else:
        known.extend(messages)


def _apply(rule: FieldRule, path: str, name: str, raw: Any, errors: dict[str, list[str]]) -> None:
    """Check one present-or-missing value (`_MISSING`) of `rule` at `path`."""
    # Laravel's TrimStrings and ConvertEmptyStringsToNull middleware run before validation.
    value: Any = raw
    if raw is _MISSING:
        value = None
    elif type(raw) is str:
        value = trim(raw) or None
    if value is None:
        if rule.required:
            _add(errors, path, [f"The {name} field is required."])
        elif raw is not _MISSING and not rule.nullable:
            messages = rule.check(name, None)
            if messages:
                _add(errors, path, messages)
        return
    if rule.required and not value and isinstance(value, list | tuple | dict):
        _add(errors, path, [f"The {name} field is required."])
        return
    messages = rule.check(name, value)
    if messages:
        _add(errors, path, messages)


def _in_laravel_order(rules: tuple[FieldRule, ...]) -> tuple[FieldRule, ...]:
    # ValidationRuleParser appends the attributes a `*` rule expands to after the others.
    return (
        *(rule for rule in rules if not rule.wildcard),
        *(rule for rule in rules if rule.wildcard),
    )


def _compile(name: str, rules: tuple[FieldRule, ...]) -> CompiledFields:
    return compile_fields(
        name,
        _in_laravel_order(rules),
        missing=_MISSING,
        add=_add,
        apply=_apply,
        expand=_expand,
    )


@frozen
class Schema:
    """The rules of one request body, and the name used in messages about unknown fields."""

    name: str
    rules: tuple[FieldRule, ...]
    _objects: dict[str, frozenset[str]] = field(
        init=False,
        repr=False,
        eq=False,
        default=Factory(lambda schema: _checked_objects(schema.rules), takes_self=True),
    )
    _fields: CompiledFields = field(
        init=False,
        repr=False,
        eq=False,
        default=Factory(lambda schema: _compile(schema.name, schema.rules), takes_self=True),
    )

    def known_keys(self, prefix: str = "") -> frozenset[str]:
        """The keys allowed directly under `prefix` (``""`` for the top level)."""
        known = self._objects.get(prefix)
        return known if known is not None else _known_keys(self.rules, prefix)


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


def _unknown_keys(schema: Schema, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for prefix, known in schema._objects.items():
        value = data.get(prefix) if prefix else data
        if not isinstance(value, dict):
            continue
        for key in value:
            if key not in known:
                path = f"{prefix}.{key}" if prefix else str(key)
                errors[path] = [
                    f"The {attribute(path)} field is not a Kanal {prefix or schema.name} "
                    f"field; Kanal would ignore it. Expected one of: {', '.join(sorted(known))}."
                ]
    return errors


def _interpret(schema: Schema, data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """What `Schema`'s compiled function does, rule by rule: its reference, for the tests."""
    for rule in _in_laravel_order(schema.rules):
        if rule.wildcard:
            for path, shown, raw in _expand(rule, data):
                _apply(rule, path, shown, raw, errors)
        else:
            _apply(rule, rule.path, rule.attribute, _lookup(data, rule.parts), errors)


def validate(schema: Schema, data: Any, *, reject_unknown: bool = False) -> dict[str, list[str]]:
    """Check a request body against `schema`.

    Args:
        schema: the rules.
        data: the decoded JSON body, or a dict on its way to becoming one (`datetime`,
            `Decimal` and tuples count as their JSON form; a mapping that is not a `dict`
            cannot be encoded, and is not an object here).
        reject_unknown: also report keys the schema does not know (the server ignores them;
            the client refuses them, so that a misspelt field is never silently dropped).

    Returns:
        The field errors as Laravel gives them, ``{dot.path: [message, ...]}``, in Laravel's
        order (plain attributes in rule order, then the expanded ones); empty when valid.
    """
    if not isinstance(data, dict):
        return {"": [f"The {schema.name} must be a JSON object."]}
    errors: dict[str, list[str]] = {}
    schema._fields(data, errors)
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
