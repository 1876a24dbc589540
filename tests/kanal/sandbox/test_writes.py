"""The Kanal sandbox's upserts, PATCH and DELETE: the documented bodies, the records kept."""

from __future__ import annotations

import orjson
import pytest

from shopbridge.kanal.sandbox import DEFAULT_API_KEY, OTHER_TEAM_API_KEY, KanalSandbox
from tests.kanal.sandbox.support import CHECKOUT, CUSTOMER, ORDER, SHIPMENT, Api, Serve

pytestmark = pytest.mark.anyio


async def test_order_upsert_creates_then_updates_with_the_documented_body(api: Api) -> None:
    created = await api.call("POST", "/stores/1/orders", ORDER)
    assert created.status == 201
    assert created.raw == orjson.dumps(
        {
            "external_id": "ORDER-1001",
            "store_id": 1,
            "total_price": "49.90",
            "currency": "EUR",
            "financial_status": None,
            "fulfillment_status": None,
            "tags": [],
            "created_at": "2026-05-18T10:00:00+00:00",
        }
    )
    updated = await api.call("POST", "/stores/1/orders", ORDER)
    assert (updated.status, updated.body) == (200, created.body)
    assert api.sandbox.writes(1, "orders", "ORDER-1001") == 2
    assert len(api.sandbox.records(1, "orders")) == 1


async def test_post_replaces_the_whole_record(api: Api) -> None:
    await api.call("POST", "/stores/1/orders", {**ORDER, "tags": ["a"], "financial_status": "paid"})
    replaced = await api.call("POST", "/stores/1/orders", {**ORDER, "currency": None})
    assert (
        replaced.body["currency"],
        replaced.body["financial_status"],
        replaced.body["tags"],
    ) == (
        None,
        None,
        [],
    )
    record = api.sandbox.record(1, "orders", "ORDER-1001")
    assert record is not None
    assert "tags" not in record.data


async def test_order_created_at_is_placed_at_in_utc(api: Api) -> None:
    answer = await api.call(
        "POST",
        "/stores/1/orders",
        {**ORDER, "placed_at": "2026-05-18T12:30:15.250+02:00", "total_price": 5},
    )
    assert (answer.body["created_at"], answer.body["total_price"]) == (
        "2026-05-18T10:30:15+00:00",
        "5.00",
    )


async def test_same_external_id_in_two_stores_is_two_records(api: Api) -> None:
    assert (await api.call("POST", "/stores/1/orders", ORDER)).status == 201
    other = await api.call("POST", "/stores/3/orders", ORDER, key=OTHER_TEAM_API_KEY)
    assert (other.status, other.body["store_id"]) == (201, 3)


async def test_unknown_fields_are_ignored(api: Api) -> None:
    answer = await api.call(
        "POST", "/stores/1/checkouts", {**CHECKOUT, "status": "completed", "colour": "red"}
    )
    assert (answer.status, answer.body["status"]) == (201, "abandoned")
    record = api.sandbox.record(1, "checkouts", "CHECKOUT-7700")
    assert record is not None
    assert "colour" not in record.data


async def test_checkout_upsert_and_patch(api: Api) -> None:
    created = await api.call("POST", "/stores/1/checkouts", CHECKOUT)
    assert created.status == 201
    assert created.body == {
        "external_id": "CHECKOUT-7700",
        "store_id": 1,
        "status": "abandoned",
        "total_price": "49.90",
        "currency": "EUR",
        "recovery_url": "https://shop.example.com/checkout/recover/7700",
        "tags": [],
        "created_at": "2026-05-18T09:40:00+00:00",
    }
    patched = await api.call(
        "PATCH", "/stores/1/checkouts/CHECKOUT-7700", {"status": "recovered", "tags": ["won"]}
    )
    assert patched.status == 200
    assert patched.body == {**created.body, "status": "recovered", "tags": ["won"]}
    again = await api.call("POST", "/stores/1/checkouts", CHECKOUT)
    assert (again.status, again.body["status"], again.body["tags"]) == (200, "recovered", [])


async def test_customer_upsert_body_has_no_phone(api: Api) -> None:
    answer = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert answer.status == 201
    assert answer.raw == orjson.dumps(
        {
            "external_id": "CUST-42",
            "store_id": 1,
            "first_name": "Marie",
            "last_name": None,
            "email": "marie@example.com",
            "locale": None,
            "tags": ["vip"],
            "lifetime_value": 1299,
            "orders_count": 7,
        }
    )


async def test_customer_without_external_id_is_keyed_by_phone(api: Api) -> None:
    body = {"phone": " +33612345678 ", "first_name": "Test", "external_id": ""}
    first = await api.call("POST", "/stores/1/customers", body)
    assert (first.status, first.body["external_id"], first.body["first_name"]) == (
        201,
        None,
        "Test",
    )
    second = await api.call("POST", "/stores/1/customers", {**body, "first_name": "Again"})
    assert second.status == 200
    assert list(api.sandbox.records(1, "customers")) == ["+33612345678"]


async def test_shipment_links_the_internal_order_id(api: Api) -> None:
    await api.call("POST", "/stores/1/orders", {**ORDER, "external_id": "ORDER-0"})
    await api.call("POST", "/stores/1/orders", ORDER)
    order = api.sandbox.record(1, "orders", "ORDER-1001")
    assert order is not None
    answer = await api.call("POST", "/stores/1/shipments", SHIPMENT)
    assert answer.status == 201
    assert answer.body == {
        "external_id": "SHIP-9001",
        "store_id": 1,
        "order_id": order.id,
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": "https://track.example.com/1Z999AA10123456784",
        "carrier": "Colissimo",
        "status": "in_transit",
    }
    assert order.id == 2
    unlinked = await api.call(
        "POST",
        "/stores/1/shipments",
        {**SHIPMENT, "external_id": "S2", "order_external_id": "NOPE"},
    )
    assert (unlinked.status, unlinked.body["order_id"]) == (201, None)


# -- PATCH and DELETE ---------------------------------------------------------------------------


async def test_order_patch_merges_only_the_mutable_fields(api: Api) -> None:
    await api.call(
        "POST",
        "/stores/1/orders",
        {**ORDER, "tags": ["a", "b"], "fulfillment_status": "unfulfilled"},
    )
    answer = await api.call(
        "PATCH",
        "/stores/1/orders/ORDER-1001",
        {"financial_status": "paid", "tags": ["c"], "total_price": 1, "metadata": {"k": 1}},
    )
    assert answer.status == 200
    assert answer.body == {
        "external_id": "ORDER-1001",
        "store_id": 1,
        "total_price": "49.90",
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "tags": ["c"],
        "created_at": "2026-05-18T10:00:00+00:00",
    }
    record = api.sandbox.record(1, "orders", "ORDER-1001")
    assert record is not None
    assert (record.data["metadata"], record.data["total_price"]) == ({"k": 1}, 49.9)


@pytest.mark.parametrize(
    ("resource", "message"), [("orders", "Order not found"), ("checkouts", "Checkout not found")]
)
async def test_patch_of_a_missing_record_is_404(api: Api, resource: str, message: str) -> None:
    answer = await api.call("PATCH", f"/stores/1/{resource}/NOPE", {"tags": []})
    assert (answer.status, answer.body) == (404, {"error": message})
    assert answer.headers["X-RateLimit-Remaining"] == "59"


async def test_patch_is_validated(api: Api) -> None:
    await api.call("POST", "/stores/1/checkouts", CHECKOUT)
    answer = await api.call("PATCH", "/stores/1/checkouts/CHECKOUT-7700", {"status": "lost"})
    assert (answer.status, answer.body) == (
        422,
        {
            "message": "The selected status is invalid.",
            "errors": {"status": ["The selected status is invalid."]},
        },
    )
    assert api.sandbox.writes(1, "checkouts", "CHECKOUT-7700") == 1


async def test_delete_soft_deletes_and_answers_204(api: Api) -> None:
    await api.call("POST", "/stores/1/customers", CUSTOMER)
    answer = await api.call("DELETE", "/stores/1/customers/CUST-42", key=DEFAULT_API_KEY)
    assert (answer.status, answer.raw) == (204, b"")
    assert answer.headers["X-RateLimit-Remaining"] == "58"
    record = api.sandbox.record(1, "customers", "CUST-42")
    assert record is not None
    assert (record.deleted, record.writes) == (True, 2)
    for _ in range(2):  # already deleted, then unknown: still 204
        assert (await api.call("DELETE", "/stores/1/customers/CUST-42")).status == 204
    assert (await api.call("DELETE", "/stores/1/customers/NOPE")).status == 204
    assert api.sandbox.writes(1, "customers", "CUST-42") == 2
    restored = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert restored.status == 201


async def test_delete_of_a_missing_customer_can_be_404(serve: Serve) -> None:
    api = await serve(missing_delete=404)
    answer = await api.call("DELETE", "/stores/1/customers/NOPE")
    assert (answer.status, answer.body) == (404, {"error": "Customer not found"})
    await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert (await api.call("DELETE", "/stores/1/customers/CUST-42")).status == 204


def test_missing_delete_accepts_only_204_or_404() -> None:
    with pytest.raises(ValueError, match="204 or 404"):
        KanalSandbox(missing_delete=410)  # type: ignore[arg-type]
