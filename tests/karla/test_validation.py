"""Karla's compiled validation judges every body exactly as the reference reading does."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.karla import _validation as rules
from shopbridge.karla._validation import schemas
from shopbridge.karla._validation.checks import reference_validate
from shopbridge.karla._validation.compiled import compiled
from shopbridge.karla._validation.schemas import Kind, Schema, Spec

if TYPE_CHECKING:
    from collections.abc import Callable

NAMED: dict[str, Schema] = {
    name: value
    for name, value in vars(schemas).items()
    if name.isupper() and not name.startswith("_") and isinstance(value, dict)
}

JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
NUMBERS = (
    st.integers()
    | st.sampled_from([2**1100, -(2**1100), 2**1023, 0, 1, 2])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["2", " 2 ", "2.0", "1_000", "49.90", "inf", "nan", "x", "", "0x1"])
    | st.booleans()
)
SCALARS: dict[Kind, st.SearchStrategy[Any]] = {
    Kind.STRING: st.text(max_size=70) | st.integers(),
    Kind.INTEGER: NUMBERS,
    Kind.NUMBER: NUMBERS,
    Kind.BOOLEAN: st.booleans() | st.sampled_from(["yes", "OFF", "maybe", 0, 1, 2, 0.5]),
    Kind.DATETIME: st.sampled_from(
        ["2024-01-29T14:48:47Z", "2024-01-29", "2024-13-01", "nope", 1706539727, 1.5e10, True]
    )
    | st.text(max_size=12),
    Kind.UUID: st.uuids().map(str)
    | st.sampled_from(["{12345678-1234-1234-1234-123456789012}", "nope", 7]),
    Kind.URL: st.sampled_from(["https://example.com/x", "not a url", "", "http://"])
    | st.text(max_size=8),
}


def _mapping_kinds(data: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    # A dict, mostly; now and then a Mapping that is not exactly one (the reference's own path).
    return st.one_of(data, data, data, data.map(OrderedDict), data.map(MappingProxyType))


_VALUES: dict[int, st.SearchStrategy[Any]] = {}


def value_of(spec: Spec) -> st.SearchStrategy[Any]:
    known = _VALUES.get(id(spec))
    if known is None:
        known = _VALUES[id(spec)] = _value_of(spec)  # the specs live as long as the module
    return known


def _value_of(spec: Spec) -> st.SearchStrategy[Any]:
    kind = spec.kind
    if kind is Kind.CHOICE:
        right: st.SearchStrategy[Any] = st.sampled_from(spec.choices) | st.text(max_size=6)
    elif kind is Kind.OBJECT:
        right = (
            body_of(spec.fields)
            if spec.fields is not None
            else st.dictionaries(st.text(max_size=4), JUNK, max_size=3)
        )
    elif kind is Kind.LIST:
        assert spec.item is not None
        items = st.lists(value_of(spec.item), max_size=3)
        right = items | items.map(tuple)
    elif kind is Kind.MAP:
        assert spec.item is not None
        right = _mapping_kinds(
            st.dictionaries(st.text(max_size=3), value_of(spec.item), max_size=3)
        )
    else:
        right = SCALARS[kind]
    return st.one_of(right, right, right, st.none(), JUNK)


def body_of(schema: Schema) -> st.SearchStrategy[Any]:
    fields = st.fixed_dictionaries(
        {}, optional={name: value_of(spec) for name, spec in schema.items()}
    )
    extra = st.dictionaries(
        st.sampled_from(["extra", "qty", "0"]) | st.integers(0, 3), JUNK, max_size=2
    )
    return _mapping_kinds(st.builds(lambda known, more: {**known, **more}, fields, extra))


def reading(check: Callable[[], dict[str, list[str]]]) -> object:
    """The errors with their paths in order, or the exception, as (type, message)."""
    try:
        errors = check()
    except OverflowError as exc:  # an integer past a float's range, as a number: both raise
        return (type(exc), str(exc))
    return list(errors.items())


def both_readings(schema: Schema, data: Any, *, reject_unknown: bool) -> None:
    fast = reading(lambda: rules.validate(schema, data, reject_unknown=reject_unknown))
    reference = reading(lambda: reference_validate(schema, data, reject_unknown=reject_unknown))
    assert fast == reference  # a list of items: the same order too, FastAPI's, field by field


@settings(max_examples=400, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(NAMED)), reject_unknown=st.booleans())
def test_the_compiled_reading_finds_exactly_the_reference_errors(
    data: st.DataObject, name: str, reject_unknown: bool
) -> None:
    schema = NAMED[name]
    body = data.draw(body_of(schema) | JUNK)
    both_readings(schema, body, reject_unknown=reject_unknown)


@settings(max_examples=200, deadline=None)
@given(
    bodies=st.lists(body_of(schemas.ORDER_UPSERT) | JUNK, max_size=4),
    reject_unknown=st.booleans(),
)
def test_a_list_body_is_read_item_by_item_as_the_reference_does(
    bodies: list[Any], reject_unknown: bool
) -> None:
    def expected() -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for index, item in enumerate(bodies):
            for path, messages in reference_validate(
                schemas.ORDER_UPSERT, item, reject_unknown=reject_unknown
            ).items():
                errors[f"{index}.{path}" if path else str(index)] = messages
        return errors

    fast = reading(
        lambda: rules.validate_many(schemas.ORDER_UPSERT, bodies, reject_unknown=reject_unknown)
    )
    assert fast == reading(expected)


VALID_UPSERT: dict[str, Any] = {
    "id": "1001",
    "id_type": "order_number",
    "order": {
        "order_number": "1001",
        "external_id": "e-1001",
        "address": {"zip_code": "10115", "country_code": "DE"},
        "order_placed_at": "2024-01-29T14:48:47Z",
        "total_order_price": 49.9,
        "products": [{"sku": "S", "quantity": 2, "price": 24.95, "images": [{"src": "a.png"}]}],
        "segments": ["vip"],
        "order_analytics": {"any": ["thing"]},
    },
    "trackings": [{"tracking_number": "T-1", "products": []}],
}


def test_a_valid_body_has_no_error_in_either_reading() -> None:
    assert rules.validate(schemas.ORDER_UPSERT, VALID_UPSERT) == {}
    assert reference_validate(schemas.ORDER_UPSERT, VALID_UPSERT) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2**1100, None),  # an integer quantity of any size is an integer
        ("2", None),
        (2.5, "Input should be a valid integer, got a number with a fractional part"),
        (None, None),  # null: an optional field's default
        ([], "Input should be a valid integer"),
    ],
)
def test_a_lax_integer_reads_alike_in_both(value: object, message: str | None) -> None:
    body = {"expected_number_of_shipments": value}
    expected = {} if message is None else {"expected_number_of_shipments": [message]}
    assert rules.validate(schemas.ORDER_UPDATE, body) == expected
    assert reference_validate(schemas.ORDER_UPDATE, body) == expected


@pytest.mark.parametrize("name", sorted(NAMED))
def test_the_compiled_reading_is_readable_python(name: str) -> None:
    source = compiled(NAMED[name]).source
    assert source.startswith(f"def check_{name}(data, prefix, errors, reject_unknown):")
    for field in NAMED[name]:
        assert f"# {field}" in source


def test_each_schema_is_compiled_once() -> None:
    assert compiled(schemas.ORDER_UPSERT) is compiled(schemas.ORDER_UPSERT)


def test_an_integer_beyond_float_range_is_refused_as_pydantic_refuses_it() -> None:
    # pydantic v2: ``float_type``, "Input should be a valid number"; it once raised
    # OverflowError here instead, a traceback for a user's mistake.
    body = {**VALID_UPSERT, "order": {**VALID_UPSERT["order"], "total_order_price": 2**1024}}
    expected = {"order.total_order_price": ["Input should be a valid number"]}
    assert rules.validate(schemas.ORDER_UPSERT, body) == expected
    assert reference_validate(schemas.ORDER_UPSERT, body) == expected
