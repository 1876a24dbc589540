"""Kanal's models: requests round-trip through their wire form; answers read the spec's examples."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.core._bodies import encode_json
from shopbridge.kanal import (
    UNSET,
    Checkout,
    CheckoutRecord,
    CheckoutUpdate,
    Customer,
    CustomerRecord,
    Order,
    OrderRecord,
    OrderUpdate,
    Shipment,
    ShipmentRecord,
    Unset,
)
from shopbridge.kanal._validation.schemas import CHECKOUT_STATUSES, SHIPMENT_STATUSES
from shopbridge.kanal._wire import from_wire, to_wire, to_wire_mapping

if TYPE_CHECKING:
    from collections.abc import Mapping

EXAMPLES = settings(max_examples=60, deadline=None)

# -- strategies ---------------------------------------------------------------------------------

texts = st.text(max_size=12)
optional_texts = st.none() | texts
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_EARLIEST, _LATEST = datetime(1971, 1, 1), datetime(2100, 1, 1)  # naive bounds, as hypothesis wants
# Kanal wants aware timestamps; naive ones round-trip too (they are sent without an offset).
timestamps = st.datetimes(_EARLIEST, _LATEST, timezones=st.just(UTC) | offsets) | st.datetimes(
    _EARLIEST, _LATEST
)
amounts = st.one_of(
    st.decimals(min_value=0, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.integers(min_value=0, max_value=10**15),
    st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(texts, json_values, max_size=4)
tag_tuples = st.none() | st.lists(texts, max_size=3).map(tuple)
# PATCH bodies take any sequence of tags: callers pass lists as often as tuples.
tag_sequences = st.lists(texts, max_size=3) | st.lists(texts, max_size=3).map(tuple)


def _patch_field(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(UNSET) | st.none() | values


customers = st.builds(
    Customer,
    phone=texts,
    external_id=optional_texts,
    first_name=optional_texts,
    last_name=optional_texts,
    email=optional_texts,
    locale=optional_texts,
    tags=tag_tuples,
    lifetime_value=st.none() | st.integers(min_value=0, max_value=2**63 - 1),
    orders_count=st.none() | st.integers(min_value=0, max_value=2**63 - 1),
)
orders = st.builds(
    Order,
    external_id=texts,
    placed_at=timestamps,
    total_price=amounts,
    customer=customers,
    currency=optional_texts,
    financial_status=optional_texts,
    fulfillment_status=optional_texts,
    line_items=st.none() | st.lists(json_objects, max_size=3).map(tuple),
    tags=tag_tuples,
    metadata=st.none() | json_objects,
)
checkouts = st.builds(
    Checkout,
    external_id=texts,
    abandoned_at=timestamps,
    total_price=amounts,
    customer=customers,
    currency=optional_texts,
    recovery_url=optional_texts,
    line_items=st.none() | st.lists(json_objects, max_size=3).map(tuple),
    tags=tag_tuples,
    metadata=st.none() | json_objects,
)
shipments = st.builds(
    Shipment,
    external_id=texts,
    order_external_id=texts,
    tracking_number=optional_texts,
    tracking_url=optional_texts,
    carrier=optional_texts,
    status=st.none() | st.sampled_from(SHIPMENT_STATUSES),
    metadata=st.none() | json_objects,
)
order_updates = st.builds(
    OrderUpdate,
    financial_status=_patch_field(texts),
    fulfillment_status=_patch_field(texts),
    tags=_patch_field(tag_sequences),
    metadata=_patch_field(json_objects),
)
checkout_updates = st.builds(
    CheckoutUpdate,
    status=st.just(UNSET) | st.sampled_from(CHECKOUT_STATUSES),
    recovery_url=_patch_field(texts),
    tags=_patch_field(tag_sequences),
    metadata=_patch_field(json_objects),
)
requests = st.one_of(orders, checkouts, customers, shipments, order_updates, checkout_updates)


def _holds_unset(value: object) -> bool:
    if isinstance(value, Unset):
        return True
    if isinstance(value, dict):
        return any(_holds_unset(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_unset(item) for item in value)
    return False


def _decoded(payload: object) -> Any:
    """The JSON Kanal receives, amounts read back exactly."""
    return json.loads(encode_json(payload), parse_float=Decimal)


# -- round trips --------------------------------------------------------------------------------


@EXAMPLES
@given(requests)
def test_every_request_model_round_trips_through_its_wire_form(record: Any) -> None:
    assert from_wire(to_wire(record), type(record)) == record


@EXAMPLES
@given(requests)
def test_every_wire_form_is_a_json_object_of_the_model_s_fields(record: Any) -> None:
    sent = _decoded(to_wire(record))
    assert isinstance(sent, dict)
    assert set(sent) <= {field.name for field in attrs.fields(type(record))}
    assert not _holds_unset(to_wire(record))


@EXAMPLES
@given(orders)
def test_an_order_travels_with_its_exact_amount_and_timestamp(order: Order) -> None:
    sent = _decoded(to_wire(order))
    price = order.total_price
    # A float travels as its shortest repr (49.9), read back here as that Decimal.
    assert sent["total_price"] == (Decimal(repr(price)) if isinstance(price, float) else price)
    if isinstance(order.total_price, Decimal):
        assert str(order.total_price).encode() in encode_json(to_wire(order))
    assert datetime.fromisoformat(sent["placed_at"]) == order.placed_at


@EXAMPLES
@given(orders)
def test_a_mapping_goes_on_the_wire_exactly_like_the_model(order: Order) -> None:
    """`datetime`, `Decimal`, tuples and nested models in a mapping go as the model sends them."""
    fields = attrs.asdict(order, recurse=False)
    mapping = {key: value for key, value in fields.items() if value is not None}
    assert _decoded(to_wire_mapping(mapping)) == _decoded(to_wire(order))


def test_a_mapping_with_python_values_is_sent_as_json() -> None:
    mapping: dict[str, Any] = {
        "external_id": "ORDER-1001",
        "placed_at": datetime(2026, 5, 18, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        "total_price": Decimal("49.90"),
        "customer": Customer(phone="+33612345678", first_name="Marie"),
        "line_items": ({"title": "T-shirt", "price": Decimal("24.95"), "on": date(2026, 5, 18)},),
        "tags": ("vip", "fr"),
    }
    assert encode_json(to_wire_mapping(mapping)) == (
        b'{"external_id":"ORDER-1001","placed_at":"2026-05-18T12:00:00+02:00",'
        b'"total_price":49.90,"customer":{"phone":"+33612345678","first_name":"Marie"},'
        b'"line_items":[{"title":"T-shirt","price":24.95,"on":"2026-05-18"}],'
        b'"tags":["vip","fr"]}'
    )


# -- what is left out, what is sent as null -----------------------------------------------------


def test_optional_request_fields_left_at_none_are_omitted() -> None:
    assert to_wire(Customer(phone="+33612345678")) == {"phone": "+33612345678"}
    assert to_wire(Shipment(external_id="S", order_external_id="O")) == {
        "external_id": "S",
        "order_external_id": "O",
    }


def test_an_empty_tag_list_is_sent_not_omitted() -> None:
    assert to_wire(Customer(phone="+33612345678", tags=()))["tags"] == []


def test_unset_update_fields_are_omitted_and_none_is_sent_as_null() -> None:
    assert to_wire(OrderUpdate()) == {}
    assert to_wire(CheckoutUpdate()) == {}
    update = OrderUpdate(financial_status=None, tags=[])
    assert to_wire(update) == {"financial_status": None, "tags": []}
    assert encode_json(to_wire(update)) == b'{"financial_status":null,"tags":[]}'
    assert encode_json(to_wire(CheckoutUpdate(recovery_url=None))) == b'{"recovery_url":null}'


def test_an_update_read_back_keeps_absent_fields_unset() -> None:
    update = from_wire({"financial_status": None}, OrderUpdate)
    assert update == OrderUpdate(financial_status=None)
    assert update.tags is UNSET
    assert repr(UNSET) == "UNSET"


def test_update_tags_given_as_a_list_equal_the_same_tags_as_a_tuple() -> None:
    assert OrderUpdate(tags=["a", "b"]) == OrderUpdate(tags=("a", "b"))
    assert hash(CheckoutUpdate(tags=["a"])) == hash(CheckoutUpdate(tags=("a",)))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Customer(phone="+33612345678", tags="vip"),
        lambda: OrderUpdate(tags="vip"),
        lambda: CheckoutUpdate(tags="vip"),
    ],
)
def test_tags_given_as_one_string_are_refused_not_split_into_letters(build: Any) -> None:
    with pytest.raises(TypeError, match="tags must be a list of strings"):
        build()


# -- Decimal on the wire ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("49.90"), b"49.90"),
        (Decimal("0.1"), b"0.1"),
        (Decimal("12345678901234567890.123456789"), b"12345678901234567890.123456789"),
        (Decimal("1E+2"), b"1E+2"),
        (Decimal("0.00"), b"0.00"),
    ],
)
def test_a_decimal_goes_on_the_wire_with_its_exact_digits(amount: Decimal, text: bytes) -> None:
    assert encode_json({"total_price": amount}) == b'{"total_price":' + text + b"}"
    assert encode_json({"items": [{"price": amount}]}) == b'{"items":[{"price":' + text + b"}]}"


@EXAMPLES
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_every_finite_decimal_is_read_back_equal(amount: Decimal) -> None:
    assert json.loads(encode_json([amount]), parse_float=Decimal) == [amount]


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_decimal_json_cannot_hold_is_refused(amount: Decimal) -> None:
    with pytest.raises(TypeError):
        encode_json({"total_price": amount})


# -- answers: the spec's examples, read exactly ---------------------------------------------------

ORDER_ANSWER = b"""{
  "external_id": "ORDER-1001",
  "store_id": 123,
  "total_price": "49.90",
  "currency": "EUR",
  "financial_status": null,
  "fulfillment_status": null,
  "tags": [],
  "created_at": "2026-05-18T10:00:00+00:00"
}"""
CHECKOUT_ANSWER = b"""{
  "external_id": "CHECKOUT-7700",
  "store_id": 123,
  "status": "abandoned",
  "total_price": "49.90",
  "currency": "EUR",
  "recovery_url": "https://shop.example.com/checkout/recover/7700",
  "tags": [],
  "created_at": "2026-05-18T09:40:00+00:00"
}"""
CUSTOMER_ANSWER = b"""{
  "external_id": "CUST-42",
  "store_id": 123,
  "first_name": "Marie",
  "last_name": null,
  "email": "marie@example.com",
  "locale": null,
  "tags": ["vip"],
  "lifetime_value": 1299,
  "orders_count": 7
}"""
SHIPMENT_ANSWER = b"""{
  "external_id": "SHIP-9001",
  "store_id": 123,
  "order_id": 4567,
  "tracking_number": "1Z999AA10123456784",
  "tracking_url": "https://track.example.com/1Z999AA10123456784",
  "carrier": "Colissimo",
  "status": "in_transit"
}"""

SPEC_ANSWERS: list[tuple[bytes, object]] = [
    (
        ORDER_ANSWER,
        OrderRecord(
            external_id="ORDER-1001",
            store_id=123,
            total_price=Decimal("49.90"),
            currency="EUR",
            financial_status=None,
            fulfillment_status=None,
            tags=(),
            created_at=datetime(2026, 5, 18, 10, 0, tzinfo=UTC),
        ),
    ),
    (
        CHECKOUT_ANSWER,
        CheckoutRecord(
            external_id="CHECKOUT-7700",
            store_id=123,
            status="abandoned",
            total_price=Decimal("49.90"),
            currency="EUR",
            recovery_url="https://shop.example.com/checkout/recover/7700",
            tags=(),
            created_at=datetime(2026, 5, 18, 9, 40, tzinfo=UTC),
        ),
    ),
    (
        CUSTOMER_ANSWER,
        CustomerRecord(
            external_id="CUST-42",
            store_id=123,
            first_name="Marie",
            last_name=None,
            email="marie@example.com",
            locale=None,
            tags=("vip",),
            lifetime_value=1299,
            orders_count=7,
        ),
    ),
    (
        SHIPMENT_ANSWER,
        ShipmentRecord(
            external_id="SHIP-9001",
            store_id=123,
            order_id=4567,
            tracking_number="1Z999AA10123456784",
            tracking_url="https://track.example.com/1Z999AA10123456784",
            carrier="Colissimo",
            status="in_transit",
        ),
    ),
]


@pytest.mark.parametrize(("body", "expected"), SPEC_ANSWERS, ids=lambda value: type(value).__name__)
def test_the_spec_example_answers_are_read_exactly(body: bytes, expected: object) -> None:
    record = from_wire(orjson.loads(body), type(expected))
    assert record == expected


def test_amounts_and_timestamps_are_read_as_exact_typed_values() -> None:
    record = from_wire(orjson.loads(ORDER_ANSWER), OrderRecord)
    assert type(record.total_price) is Decimal
    assert str(record.total_price) == "49.90"
    assert record.created_at is not None
    assert record.created_at.utcoffset() == timedelta(0)
    assert type(record.store_id) is int


@pytest.mark.parametrize(("body", "expected"), SPEC_ANSWERS, ids=lambda value: type(value).__name__)
def test_unknown_answer_fields_are_ignored(body: bytes, expected: object) -> None:
    data = {
        **orjson.loads(body),
        "placed_at": "2026-05-18T10:00:00+00:00",
        "customer": {"phone": "+33612345678"},
        "updated_at": "2026-05-19T10:00:00.000000Z",
        "id": 99,
    }
    assert from_wire(data, type(expected)) == expected


def test_laravel_microsecond_z_timestamps_are_read_as_utc() -> None:
    data: Mapping[str, Any] = {
        **orjson.loads(ORDER_ANSWER),
        "created_at": "2026-01-10T12:00:00.000000Z",
    }
    record = from_wire(data, OrderRecord)
    assert record.created_at == datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
