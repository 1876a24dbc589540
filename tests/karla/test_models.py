"""Karla's models on the wire: requests validated strictly, answers read tolerantly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shopbridge.karla import (
    Address,
    Order,
    OrderPlacement,
    OrderTracking,
    OrderUpsert,
    Product,
    Webhook,
    WebhookCreate,
)
from shopbridge.karla import _validation as rules
from shopbridge.karla._wire import from_wire, to_wire, unwrap

PLACED = datetime(2026, 5, 18, 10, tzinfo=UTC)


def upsert() -> OrderUpsert:
    return OrderUpsert(
        id="1001",
        order=OrderPlacement(
            order_number="1001",
            external_id="shopify-1001",
            address=Address(zip_code="10115", city="Berlin", country_code="DE"),
            order_placed_at=PLACED,
            total_order_price=Decimal("49.90"),
            products=[Product(sku="TS-1", quantity=2, price=Decimal("24.95"))],
        ),
        trackings=[OrderTracking(tracking_number="00340434", carrier_reference="dhl")],
    )


def test_a_request_leaves_out_what_was_not_given_and_keeps_exact_amounts() -> None:
    wire = to_wire(upsert())

    assert wire == {
        "id": "1001",
        "trackings": [{"tracking_number": "00340434", "carrier_reference": "dhl"}],
        "order": {
            "order_number": "1001",
            "external_id": "shopify-1001",
            "address": {"zip_code": "10115", "city": "Berlin", "country_code": "DE"},
            "order_placed_at": "2026-05-18T10:00:00+00:00",
            "total_order_price": Decimal("49.90"),
            "products": [{"sku": "TS-1", "quantity": 2, "price": Decimal("24.95")}],
        },
    }
    assert rules.validate(rules.ORDER_UPSERT, wire) == {}


def test_every_field_error_is_collected_with_fastapi_dot_paths() -> None:
    body: dict[str, Any] = {
        "id": 7,
        "id_type": "sku",
        "order": {"external_id": "e", "address": {"city": "Berlin"}, "products": [{"qty": 1}]},
        "trackings": [{}],
    }

    errors = rules.validate(rules.ORDER_UPSERT, body)

    assert errors == {
        "id": ["Input should be a valid string"],
        "id_type": ["Input should be 'uuid', 'external_id', 'order_name' or 'order_number'"],
        "order.order_number": ["Field required"],
        "order.address.zip_code": ["Field required"],
        "order.products.0.qty": ["Extra inputs are not permitted"],
        "trackings.0.tracking_number": ["Field required"],
    }


def test_unknown_fields_may_be_allowed() -> None:
    assert (
        rules.validate(
            rules.ANNOUNCEMENT_CREATE, {"text": "x", "language": "en", "z": 1}, reject_unknown=False
        )
        == {}
    )


def test_bulk_errors_start_with_the_item_index() -> None:
    errors = rules.validate_many(rules.ORDER_UPSERT, [to_wire(upsert()), {"trackings": []}])

    assert errors == {"1.id": ["Field required"]}


@pytest.mark.parametrize(
    ("schema", "body", "path", "message"),
    [
        (
            rules.WEBHOOK_CREATE,
            {"url": "https://x", "secret": "short"},
            "secret",
            "String should have at least 16 characters",
        ),
        (
            rules.SHIPMENT_EVENT,
            {"event_name": "x", "event_time": "yesterday", "external_id": "e"},
            "event_time",
            "Input should be a valid datetime or date, input is too short",
        ),
        (
            rules.CLAIM_CREATE,
            {"reason": "damage", "shipment_id": "nope"},
            "shipment_id",
            "Input should be a valid UUID, invalid character: found `n` at 0",
        ),
        (
            rules.SHOP_CREATE,
            {"name": "n", "slug": "s", "organization": "o", "klaviyo_enabled": "maybe"},
            "klaviyo_enabled",
            "Input should be a valid boolean, unable to interpret input",
        ),
        (
            rules.DISCOUNT_CREATE,
            {"type": "order", "value": [1]},
            "value",
            "Input should be a valid number",
        ),
        (
            rules.CAMPAIGN,
            {"name": "n", "segment": "s", "promotion_type": "basic", "promotion_properties": []},
            "promotion_properties",
            "Input should be a valid dictionary",
        ),
    ],
)
def test_each_kind_has_pydantics_wording(
    schema: rules.Schema, body: dict[str, Any], path: str, message: str
) -> None:
    assert rules.validate(schema, body)[path] == [message]


def test_an_answer_keeps_unknown_fields_and_reads_nulls_as_absent() -> None:
    data = {
        "uuid": "7c0e",
        "order_number": 1001,
        "address": None,
        "total_order_price": 49.9,
        "loyalty_tier": "gold",
        "trackings": [{"id": "s-1", "state": "teleported", "carrier": {"tracking_number": "1"}}],
    }

    order = from_wire(data, Order)

    assert order.order_number == "1001"
    assert order.address is None
    assert order.total_order_price == Decimal("49.9")
    assert order.extra == {"loyalty_tier": "gold"}
    assert order.trackings[0].state == "teleported"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"data": [1, 2]}, [1, 2]),
        ({"data": {"uuid": "u"}, "metadata": {"page": 1}}, {"uuid": "u"}),
        ({"data": 1, "other": 2}, {"data": 1, "other": 2}),
        ([{"data": 1}], [{"data": 1}]),
        (None, None),
    ],
)
def test_envelopes_are_unwrapped_and_nothing_else(data: Any, expected: Any) -> None:
    assert unwrap(data) == expected


def test_a_webhooks_older_merchant_slug_reads_as_shop_slug_and_its_secret_stays_hidden() -> None:
    webhook = from_wire(
        {"uuid": "w", "merchant_slug": "shop", "secret": "s3cr3t-s3cr3t-s3cr3t"}, Webhook
    )

    assert webhook.shop_slug == "shop"
    assert "s3cr3t" not in repr(webhook)
    assert "s3cr3t" not in repr(WebhookCreate(url="https://x", secret="s3cr3t-s3cr3t-s3cr3t"))


def test_a_list_is_never_mistaken_for_a_string() -> None:
    with pytest.raises(TypeError):
        OrderTracking(tracking_number="1", products="TS-1")


def test_a_plain_json_body_goes_out_as_it_is_and_one_with_dates_is_converted() -> None:
    from datetime import UTC, datetime  # noqa: PLC0415 - this test only

    from shopbridge.karla._wire import to_wire  # noqa: PLC0415 - this test only

    plain = {"id": "1", "trackings": [{"tracking_number": "T"}], "n": 2.5, "x": None}
    assert to_wire(plain) is plain  # nothing to convert: no copy
    dated = {"id": "1", "at": datetime(2026, 5, 18, tzinfo=UTC), "ids": ("a", "b")}
    assert to_wire(dated) == {"id": "1", "at": "2026-05-18T00:00:00+00:00", "ids": ["a", "b"]}
    assert to_wire({"nested": [{"at": datetime(2026, 5, 18, tzinfo=UTC)}]}) == {
        "nested": [{"at": "2026-05-18T00:00:00+00:00"}]
    }
