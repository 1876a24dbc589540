"""Kanal's validation rules: valid bodies pass, and every failure reads as Laravel's 422."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shopbridge.kanal._validation import schemas as rules_module
from shopbridge.kanal._validation.schemas import (
    CHECKOUT,
    CHECKOUT_STATUSES,
    CHECKOUT_UPDATE,
    CUSTOMER,
    ORDER,
    ORDER_UPDATE,
    SCHEMAS,
    SHIPMENT,
    SHIPMENT_STATUSES,
    Schema,
    summary_message,
    validate,
)

CUSTOMER_OF_ORDER: dict[str, Any] = {
    "phone": "+33612345678",
    "external_id": "CUST-42",
    "first_name": "Marie",
    "last_name": "Curie",
    "email": "marie@example.com",
    "locale": "fr",
    "tags": ["vip"],
    "lifetime_value": 1299,
    "orders_count": 7,
}

VALID: dict[str, dict[str, Any]] = {
    "order": {
        "external_id": "ORDER-1001",
        "placed_at": "2026-05-18T10:00:00Z",
        "total_price": 49.90,
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "customer": CUSTOMER_OF_ORDER,
        "line_items": [{"title": "T-shirt Bordeaux", "quantity": 2, "price": 24.95}],
        "tags": ["first-order"],
        "metadata": {"source": "shopify", "nested": {"any": ["thing"]}},
    },
    "order update": {
        "financial_status": "refunded",
        "fulfillment_status": "fulfilled",
        "tags": [],
        "metadata": {"refund_reason": "damaged"},
    },
    "checkout": {
        "external_id": "CHECKOUT-7700",
        "abandoned_at": "2026-05-18T09:40:00+00:00",
        "total_price": "49.90",
        "currency": "EUR",
        "recovery_url": "https://shop.example.com/checkout/recover/7700",
        "customer": CUSTOMER_OF_ORDER,
        "line_items": [{"title": "T-shirt Bordeaux", "quantity": 2, "price": 24.95}],
        "tags": ["cart"],
        "metadata": {"cart_token": "abc"},
    },
    "checkout update": {
        "status": "recovered",
        "recovery_url": "https://shop.example.com/checkout/recover/7700",
        "tags": ["recovered"],
        "metadata": {},
    },
    "customer": dict(CUSTOMER_OF_ORDER),
    "shipment": {
        "external_id": "SHIP-9001",
        "order_external_id": "ORDER-1001",
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": "https://track.example.com/1Z999AA10123456784",
        "carrier": "Colissimo",
        "status": "in_transit",
        "metadata": {"weight_g": 420},
    },
}

MINIMAL: dict[str, dict[str, Any]] = {
    "order": {
        "external_id": "ORDER-1",
        "placed_at": "2026-05-18",
        "total_price": 0,
        "customer": {"phone": "+33612345678"},
    },
    "order update": {},
    "checkout": {
        "external_id": "CHECKOUT-1",
        "abandoned_at": "2026-05-18T09:40:00Z",
        "total_price": "0",
        "customer": {"phone": "+33612345678"},
    },
    "checkout update": {},
    "customer": {"phone": "+33612345678"},
    "shipment": {"external_id": "SHIP-1", "order_external_id": "ORDER-1"},
}


def body(schema: str, **changes: Any) -> dict[str, Any]:
    """A deep copy of the valid example of `schema`, with top-level `changes` applied."""
    data = copy.deepcopy(VALID[schema])
    data.update(changes)
    return data


def order_with_customer(**changes: Any) -> dict[str, Any]:
    data = body("order")
    data["customer"].update(changes)
    return data


def test_every_schema_has_examples() -> None:
    assert set(VALID) == set(SCHEMAS) == set(MINIMAL)
    schemas = [ORDER, ORDER_UPDATE, CHECKOUT, CHECKOUT_UPDATE, CUSTOMER, SHIPMENT]
    assert list(SCHEMAS.values()) == schemas


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_a_full_valid_example_passes(name: str) -> None:
    assert validate(SCHEMAS[name], VALID[name], reject_unknown=True) == {}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_a_minimal_valid_example_passes(name: str) -> None:
    assert validate(SCHEMAS[name], MINIMAL[name], reject_unknown=True) == {}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_validate_leaves_the_body_unchanged(name: str) -> None:
    data = body(name)
    validate(SCHEMAS[name], data, reject_unknown=True)
    assert data == VALID[name]


def test_the_seed_example_exactly() -> None:
    data = order_with_customer()
    del data["customer"]["phone"]
    errors = validate(ORDER, data)
    assert errors == {"customer.phone": ["The customer.phone field is required."]}
    assert summary_message(errors) == "The customer.phone field is required."


def test_a_missing_customer_is_reported_with_its_phone() -> None:
    data = body("order")
    del data["customer"]
    assert validate(ORDER, data) == {
        "customer": ["The customer field is required."],
        "customer.phone": ["The customer.phone field is required."],
    }


@pytest.mark.parametrize(
    ("schema", "data", "path", "message"),
    [
        # required
        (ORDER, body("order", placed_at=None), "placed_at", "The placed at field is required."),
        (
            SHIPMENT,
            body("shipment", external_id=""),
            "external_id",
            "The external id field is required.",
        ),
        (CUSTOMER, body("customer", phone="   "), "phone", "The phone field is required."),
        (ORDER, body("order", customer={}), "customer", "The customer field is required."),
        # string
        (
            ORDER,
            body("order", external_id=1001),
            "external_id",
            "The external id field must be a string.",
        ),
        (
            CUSTOMER,
            body("customer", phone=33612345678),
            "phone",
            "The phone field must be a string.",
        ),
        # max
        (
            ORDER,
            body("order", external_id="x" * 256),
            "external_id",
            "The external id field must not be greater than 255 characters.",
        ),
        (
            ORDER,
            body("order", financial_status="p" * 65),
            "financial_status",
            "The financial status field must not be greater than 64 characters.",
        ),
        (
            CUSTOMER,
            body("customer", locale="fr-FR-x-twelve"),
            "locale",
            "The locale field must not be greater than 10 characters.",
        ),
        (
            CHECKOUT,
            body("checkout", recovery_url="https://shop.example.com/" + "r" * 1000),
            "recovery_url",
            "The recovery url field must not be greater than 1024 characters.",
        ),
        # size
        (
            ORDER,
            body("order", currency="EURO"),
            "currency",
            "The currency field must be 3 characters.",
        ),
        (
            CHECKOUT,
            body("checkout", currency="E"),
            "currency",
            "The currency field must be 3 characters.",
        ),
        # numeric
        (
            ORDER,
            body("order", total_price="49,90"),
            "total_price",
            "The total price field must be a number.",
        ),
        (
            ORDER,
            body("order", total_price=True),
            "total_price",
            "The total price field must be a number.",
        ),
        (
            ORDER,
            body("order", total_price=float("nan")),
            "total_price",
            "The total price field must be a number.",
        ),
        # min
        (
            ORDER,
            body("order", total_price=-0.01),
            "total_price",
            "The total price field must be at least 0.",
        ),
        (
            CHECKOUT,
            body("checkout", total_price="-1"),
            "total_price",
            "The total price field must be at least 0.",
        ),
        (
            CUSTOMER,
            body("customer", orders_count=-2),
            "orders_count",
            "The orders count field must be at least 0.",
        ),
        # integer
        (
            CUSTOMER,
            body("customer", lifetime_value=12.5),
            "lifetime_value",
            "The lifetime value field must be an integer.",
        ),
        (
            CUSTOMER,
            body("customer", orders_count="seven"),
            "orders_count",
            "The orders count field must be an integer.",
        ),
        # email
        (
            CUSTOMER,
            body("customer", email="marie.example.com"),
            "email",
            "The email field must be a valid email address.",
        ),
        (
            CUSTOMER,
            body("customer", email="marie@@example.com"),
            "email",
            "The email field must be a valid email address.",
        ),
        # url
        (
            CHECKOUT,
            body("checkout", recovery_url="shop.example.com/recover"),
            "recovery_url",
            "The recovery url field must be a valid URL.",
        ),
        (
            SHIPMENT,
            body("shipment", tracking_url="https://track example.com/1Z"),
            "tracking_url",
            "The tracking url field must be a valid URL.",
        ),
        (
            SHIPMENT,
            body("shipment", tracking_url="https://[::1"),
            "tracking_url",
            "The tracking url field must be a valid URL.",
        ),
        # date
        (
            ORDER,
            body("order", placed_at="18/05/2026"),
            "placed_at",
            "The placed at field must be a valid date.",
        ),
        (
            CHECKOUT,
            body("checkout", abandoned_at=1_779_094_800),
            "abandoned_at",
            "The abandoned at field must be a valid date.",
        ),
        # array
        (ORDER, body("order", tags="vip"), "tags", "The tags field must be an array."),
        (
            ORDER,
            body("order", line_items="T-shirt"),
            "line_items",
            "The line items field must be an array.",
        ),
        (ORDER, body("order", metadata="a"), "metadata", "The metadata field must be an array."),
        (
            ORDER,
            body("order", customer="+33612345678"),
            "customer",
            "The customer field must be an array.",
        ),
        # in
        (
            CHECKOUT_UPDATE,
            body("checkout update", status="lost"),
            "status",
            "The selected status is invalid.",
        ),
        (
            SHIPMENT,
            body("shipment", status="IN_TRANSIT"),
            "status",
            "The selected status is invalid.",
        ),
    ],
)
def test_each_rule_kind_reads_as_laravel(
    schema: Schema, data: dict[str, Any], path: str, message: str
) -> None:
    assert validate(schema, data)[path] == [message]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            body("order", tags=["ok", 5, "fine"]),
            {"tags.1": ["The tags.1 field must be a string."]},
        ),
        (
            order_with_customer(tags=[["nested"]]),
            {"customer.tags.0": ["The customer.tags.0 field must be a string."]},
        ),
        (
            body("order", line_items=[{"title": "a"}, {"title": "b"}, "c"]),
            {"line_items.2": ["The line_items.2 field must be an array."]},
        ),
        (
            order_with_customer(lifetime_value=-1),
            {"customer.lifetime_value": ["The customer.lifetime value field must be at least 0."]},
        ),
    ],
    ids=["tags.1", "customer.tags.0", "line_items.2", "customer.lifetime_value"],
)
def test_nested_fields_are_reported_by_dot_path_with_indices(
    data: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    assert validate(ORDER, data) == expected


def test_errors_come_in_rule_order_with_every_failing_rule_of_a_field() -> None:
    data = {"external_id": 5, "total_price": "much", "customer": {"email": 7}}
    errors = validate(ORDER, data)
    assert errors == {
        "external_id": ["The external id field must be a string."],
        "placed_at": ["The placed at field is required."],
        "total_price": ["The total price field must be a number."],
        "customer.phone": ["The customer.phone field is required."],
        "customer.email": [
            "The customer.email field must be a string.",
            "The customer.email field must be a valid email address.",
        ],
    }
    assert list(errors) == [
        "external_id",
        "placed_at",
        "total_price",
        "customer.phone",
        "customer.email",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"total_price": Decimal("49.90")}, {}),
        (
            {"total_price": Decimal("-0.01")},
            {"total_price": ["The total price field must be at least 0."]},
        ),
        (
            {"total_price": Decimal("NaN")},
            {"total_price": ["The total price field must be a number."]},
        ),
        (
            {"total_price": Decimal("sNaN")},
            {"total_price": ["The total price field must be a number."]},
        ),
        ({"lifetime_value": Decimal("1299")}, {}),
        (
            {"lifetime_value": Decimal("12.5")},
            {"lifetime_value": ["The lifetime value field must be an integer."]},
        ),
        (
            {"lifetime_value": Decimal("sNaN")},
            {"lifetime_value": ["The lifetime value field must be an integer."]},
        ),
    ],
    ids=[
        "price",
        "negative-price",
        "nan-price",
        "snan-price",
        "integer",
        "fractional-integer",
        "snan-integer",
    ],
)
def test_decimals_are_numbers(changes: dict[str, Decimal], expected: dict[str, list[str]]) -> None:
    name = "order" if "total_price" in changes else "customer"
    assert validate(SCHEMAS[name], body(name, **changes)) == expected


def test_strings_are_trimmed_before_they_are_measured() -> None:
    data = body("order", currency=" EUR ", external_id=" " + "x" * 255 + " ")
    assert validate(ORDER, data) == {}


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_string_counts_as_null(blank: str) -> None:
    assert validate(ORDER, body("order", currency=blank, financial_status=blank)) == {}
    assert validate(ORDER, body("order", placed_at=blank)) == {
        "placed_at": ["The placed at field is required."]
    }


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("order", "currency"),
        ("order", "tags"),
        ("order", "metadata"),
        ("order", "line_items"),
        ("order update", "financial_status"),
        ("checkout", "recovery_url"),
        ("checkout update", "recovery_url"),
        ("customer", "email"),
        ("customer", "lifetime_value"),
        ("shipment", "status"),
        ("shipment", "tracking_url"),
    ],
)
def test_null_is_allowed_for_an_optional_field(name: str, field: str) -> None:
    assert validate(SCHEMAS[name], body(name, **{field: None})) == {}


@pytest.mark.parametrize("status", [None, ""])
def test_the_checkout_update_status_cannot_be_null(status: str | None) -> None:
    assert validate(CHECKOUT_UPDATE, {"status": status}) == {
        "status": ["The selected status is invalid."]
    }


@pytest.mark.parametrize("status", CHECKOUT_STATUSES)
def test_every_checkout_status_is_accepted(status: str) -> None:
    assert validate(CHECKOUT_UPDATE, {"status": status}) == {}


@pytest.mark.parametrize("status", SHIPMENT_STATUSES)
def test_every_shipment_status_is_accepted(status: str) -> None:
    assert validate(SHIPMENT, body("shipment", status=status)) == {}


def test_the_checkout_customer_accepts_the_order_counters() -> None:
    assert validate(CHECKOUT, body("checkout"), reject_unknown=True) == {}


@pytest.mark.parametrize("data", [None, [], "order", 42])
def test_a_body_that_is_not_an_object_is_one_error(data: Any) -> None:
    assert validate(ORDER, data) == {"": ["The order must be a JSON object."]}


# reject_unknown


def test_unknown_top_level_keys_are_ignored_by_default() -> None:
    assert validate(ORDER, body("order", shipping_address={"city": "Lyon"})) == {}


def test_unknown_top_level_keys_are_rejected_when_asked() -> None:
    errors = validate(ORDER, body("order", shipping_address={"city": "Lyon"}), reject_unknown=True)
    assert list(errors) == ["shipping_address"]
    (message,) = errors["shipping_address"]
    assert message.startswith(
        "The shipping address field is not a Kanal order field; Kanal would ignore it. "
        "Expected one of: currency, customer, external_id, "
    )


def test_unknown_keys_inside_the_customer_are_rejected_when_asked() -> None:
    errors = validate(ORDER, order_with_customer(nickname="Mimi"), reject_unknown=True)
    assert list(errors) == ["customer.nickname"]
    assert errors["customer.nickname"][0].startswith(
        "The customer.nickname field is not a Kanal customer field"
    )
    assert "phone" in errors["customer.nickname"][0]


def test_fields_of_other_schemas_are_unknown() -> None:
    errors = validate(
        ORDER_UPDATE, {"financial_status": "paid", "total_price": 1}, reject_unknown=True
    )
    assert list(errors) == ["total_price"]
    errors = validate(CUSTOMER, {"phone": "+33612345678", "status": "vip"}, reject_unknown=True)
    assert list(errors) == ["status"]


def test_free_form_objects_never_have_unknown_keys() -> None:
    data = body(
        "order",
        metadata={"anything": {"at": ["all"]}},
        line_items=[{"sku": "TS-1", "whatever": True}, {}],
    )
    assert validate(ORDER, data, reject_unknown=True) == {}


def test_reject_unknown_adds_to_the_field_errors() -> None:
    data = body("shipment", status="lost", carrier_code="COL")
    errors = validate(SHIPMENT, data, reject_unknown=True)
    assert list(errors) == ["status", "carrier_code"]


# summary_message


def test_summary_of_no_errors() -> None:
    assert summary_message({}) == "The given data was invalid."


def test_summary_of_one_error_is_that_error() -> None:
    assert summary_message({"a": ["First."]}) == "First."


def test_summary_counts_one_more_error() -> None:
    assert summary_message({"a": ["First."], "b": ["Second."]}) == "First. (and 1 more error)"


def test_summary_counts_more_errors_across_fields() -> None:
    errors = {"a": ["First.", "Second."], "b": ["Third."], "c": ["Fourth."]}
    assert summary_message(errors) == "First. (and 3 more errors)"


def test_summary_of_a_real_validation() -> None:
    errors = validate(ORDER, {"customer": {"phone": "+33612345678"}})
    assert summary_message(errors) == "The external id field is required. (and 2 more errors)"


# validate() never raises

JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
        st.text(max_size=20),
        st.sampled_from(["", "  ", "2026-05-18T10:00:00Z", "a@b.co", "https://x.io", "12.5"]),
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    [
        "external_id",
        "placed_at",
        "abandoned_at",
        "total_price",
        "currency",
        "customer",
        "line_items",
        "tags",
        "metadata",
        "status",
        "recovery_url",
        "phone",
        "email",
        "lifetime_value",
        "orders_count",
        "tracking_url",
    ]
)
BODIES = st.one_of(
    JSON,
    st.dictionaries(FIELD_NAMES, JSON, max_size=8),
    st.dictionaries(
        st.just("customer"), st.dictionaries(FIELD_NAMES, JSON, max_size=6), min_size=1
    ),
)


@settings(max_examples=200, deadline=None)
@given(schema=st.sampled_from(list(SCHEMAS.values())), data=BODIES, reject_unknown=st.booleans())
@example(schema=CUSTOMER, data={"phone": "1", "lifetime_value": 10**400}, reject_unknown=False)
@example(schema=ORDER, data={"total_price": 10**400}, reject_unknown=False)
def test_validate_never_raises_and_returns_messages_by_path(
    schema: Schema, data: Any, reject_unknown: bool
) -> None:
    errors: Any = validate(schema, data, reject_unknown=reject_unknown)  # checked, not trusted
    assert isinstance(errors, dict)
    for path, messages in errors.items():
        assert isinstance(path, str)
        assert isinstance(messages, list)
        assert messages
        assert all(isinstance(message, str) and message for message in messages)
    if errors:
        first = next(iter(errors.values()))[0]
        assert summary_message(errors).startswith(first)


@settings(max_examples=300, deadline=None)
@given(schema=st.sampled_from(list(SCHEMAS.values())), data=BODIES)
def test_the_compiled_rules_judge_exactly_as_the_rules_read_one_by_one(
    schema: Schema, data: Any
) -> None:
    """Each schema's generated function (`Schema._fields`) against its reference reading."""
    if not isinstance(data, dict):
        return
    compiled: dict[str, list[str]] = {}
    interpreted: dict[str, list[str]] = {}
    schema._fields(data, compiled)
    rules_module._interpret(schema, data, interpreted)
    assert compiled == interpreted
    assert list(compiled) == list(interpreted)  # same order: Laravel's, rule by rule


@pytest.mark.parametrize("schema", list(SCHEMAS.values()), ids=list(SCHEMAS))
def test_the_compiled_rules_are_readable_python(schema: Schema) -> None:
    source = schema._fields.source
    assert source.startswith(f"def validate_{schema.name.replace(' ', '_')}(data, errors):")
    for rule in schema.rules:
        assert f"# {rule.path}" in source


# The Laravel rules each field stands for


@pytest.mark.parametrize(
    ("schema", "path", "laravel"),
    [
        (ORDER, "external_id", "required|string|max:255"),
        (ORDER, "placed_at", "required|date"),
        (ORDER, "total_price", "required|numeric|min:0"),
        (ORDER, "currency", "nullable|string|size:3"),
        (ORDER, "customer", "required|array"),
        (ORDER, "customer.email", "nullable|string|email|max:255"),
        (ORDER, "customer.lifetime_value", "nullable|integer|min:0"),
        (ORDER, "tags.*", "string"),
        (ORDER, "line_items.*", "array"),
        (CHECKOUT, "recovery_url", "nullable|string|url|max:1024"),
        (CHECKOUT_UPDATE, "status", "in:active,abandoned,recovered,completed,expired"),
        (SHIPMENT, "status", "nullable|in:pending,in_transit,delivered,failed,returned"),
    ],
)
def test_each_field_stands_for_a_laravel_rules_line(
    schema: Schema, path: str, laravel: str
) -> None:
    (rule,) = [rule for rule in schema.rules if rule.path == path]
    assert rule.laravel == laravel


def test_a_wildcard_may_only_end_a_path() -> None:
    with pytest.raises(ValueError, match="last segment"):
        rules_module.FieldRule(path="line_items.*.title", kind=rules_module.Kind.STRING)
