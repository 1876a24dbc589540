"""The Karla sandbox's orders: placing, upserts by id_type, checks, shipments and their events."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.karla.sandbox import (
    DEFAULT_SHOP,
)
from tests.karla.sandbox.support import (
    MISSING_UUID,
    PLACEMENT,
    Api,
    keyed,
    tracking,
    upsert,
    value_error,
)

pytestmark = pytest.mark.anyio


async def test_placing_an_order_answers_the_order_detail(api: Api) -> None:
    order = await api.ok("POST", "/orders", PLACEMENT)
    assert order["merchant_slug"] == DEFAULT_SHOP
    assert (order["order_number"], order["external_id"]) == ("1001", "shopify-1001")
    assert (order["currency"], order["discount_price"], order["trackings"]) == ("EUR", 0, [])
    assert order["products"][0]["type"] == "product"
    assert "user_agent" not in order
    assert "order_analytics" not in order
    assert api.sandbox.writes(DEFAULT_SHOP, "orders", order["uuid"]) == 1


@pytest.mark.parametrize("field", ["order_number", "external_id"])
async def test_placing_a_known_order_again_is_409_order_exists(api: Api, field: str) -> None:
    await api.ok("POST", "/orders", PLACEMENT)
    again = {**PLACEMENT, "order_number": "other", "external_id": "other", field: PLACEMENT[field]}
    answer = await api.call("POST", "/orders", again)
    assert (answer.status, answer.body) == (
        409,
        keyed(
            "order_exists",
            [value_error(["body", field], f"an order with this {field} exists", field)],
        ),
    )


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ({"zip_code": "10115", "country_code": "DE"}, True),
        ({"zip_code": "1234", "country_code": "DE"}, False),
        ({"zip_code": "1012 AB", "country_code": "NL"}, True),
        ({"zip_code": "SW1A 1AA", "country_code": "GB"}, True),
        ({"zip_code": "75001"}, True),
        ({"zip_code": "x"}, False),
        ({"zip_code": ""}, False),
        ({"zip_code": "ABCDE"}, False),
    ],
)
async def test_zip_codes_are_checked(api: Api, address: dict[str, str], ok: bool) -> None:
    answer = await api.call("POST", "/orders", {**PLACEMENT, "address": address})
    if ok:
        assert answer.status == 200
        return
    zip_error = value_error(["body", "address", "zip_code"], "invalid zip code", "zip_code")
    assert (answer.status, answer.body) == (422, keyed("zip_code_invalid", [zip_error]))
    assert api.sandbox.records(DEFAULT_SHOP, "orders") == {}


async def test_a_schema_failure_answers_fastapi_detail(api: Api) -> None:
    answer = await api.call("POST", "/orders", {"order_number": 1001, "address": {}})
    assert answer.status == 422
    assert answer.body == {
        "detail": [
            {
                "type": "string_type",
                "loc": ["body", "order_number"],
                "msg": "Input should be a valid string",
                "input": 1001,
            },
            {
                "type": "missing",
                "loc": ["body", "external_id"],
                "msg": "Field required",
                "input": {"order_number": 1001, "address": {}},
            },
            {
                "type": "missing",
                "loc": ["body", "address", "zip_code"],
                "msg": "Field required",
                "input": {},
            },
        ]
    }


@pytest.mark.parametrize(
    ("raw", "error_type", "loc"),
    [
        (b"", "missing", ["body"]),
        (b"{nope", "json_invalid", ["body", 1]),
        (b"[]", "model_attributes_type", ["body"]),
    ],
)
async def test_unreadable_bodies_are_422(
    api: Api, raw: bytes, error_type: str, loc: list[Any]
) -> None:
    answer = await api.call("POST", "/orders", raw=raw)
    assert answer.status == 422
    [item] = answer.body["detail"]
    assert (item["type"], item["loc"]) == (error_type, loc)


async def test_upsert_creates_then_updates_the_same_order_and_never_409s(api: Api) -> None:
    created = await api.ok("PUT", "/orders", upsert())
    changed = {**PLACEMENT, "email_id": "new@example.com"}
    updated = await api.ok("PUT", "/orders", upsert(order=changed))
    assert updated["uuid"] == created["uuid"]
    assert updated["email_id"] == "new@example.com"
    assert len(api.sandbox.records(DEFAULT_SHOP, "orders")) == 1
    assert api.sandbox.writes(DEFAULT_SHOP, "orders", created["uuid"]) == 2
    assert (await api.call("POST", "/orders", PLACEMENT)).status == 409


async def test_trackings_create_and_update_shipments_by_tracking_number(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking("T-1")]))
    [first] = order["trackings"]
    assert first["carrier"] == {
        "tracking_number": "T-1",
        "carrier_reference": "dhl",
        "tracking_url": None,
    }
    assert (first["order_id"], first["state"], first["flag"]) == (
        order["uuid"],
        "transit",
        "normal",
    )
    assert first["products"] == order["products"]  # none given: all of the order's
    again = tracking("T-1", tracking_url="https://track.example/T-1")
    order = await api.ok("PUT", "/orders", upsert(order=None, trackings=[again, tracking("T-2")]))
    assert [t["carrier"]["tracking_number"] for t in order["trackings"]] == ["T-1", "T-2"]
    assert order["trackings"][0]["id"] == first["id"]
    assert order["trackings"][0]["carrier"]["tracking_url"] == "https://track.example/T-1"
    assert api.sandbox.writes(DEFAULT_SHOP, "shipments", first["id"]) == 2


async def test_an_upsert_without_order_needs_the_order(api: Api) -> None:
    answer = await api.call("PUT", "/orders", upsert("404", order=None, trackings=[tracking()]))
    error = value_error(["body", "id"], "the order does not exist; give `order` to create it", "id")
    assert (answer.status, answer.body) == (404, keyed("order_not_found", [error]))
    assert api.sandbox.records(DEFAULT_SHOP, "shipments") == {}


async def test_a_bad_carrier_reference_is_422_and_writes_nothing(api: Api) -> None:
    answer = await api.call(
        "PUT", "/orders", upsert(trackings=[tracking(carrier_reference="DHL!")])
    )
    error = value_error(
        ["body", "trackings", 0, "carrier_reference"],
        "unknown carrier reference 'DHL!'",
        "carrier_reference",
    )
    assert (answer.status, answer.body) == (422, keyed("carrier_reference_invalid", [error]))
    assert api.sandbox.records(DEFAULT_SHOP, "orders") == {}


@pytest.mark.parametrize("id_type", ["external_id", "order_number", "uuid", "order_name"])
async def test_upserts_find_the_order_by_id_type(api: Api, id_type: str) -> None:
    order = await api.ok("POST", "/orders", {**PLACEMENT, "order_name": "#1001"})
    value = order["uuid"] if id_type == "uuid" else order[id_type]
    body = upsert(value, order=None, id_type=id_type, trackings=[tracking()])
    found = await api.ok("PUT", "/orders", body)
    assert (found["uuid"], len(found["trackings"])) == (order["uuid"], 1)
    assert api.sandbox.find_order(DEFAULT_SHOP, value, id_type=id_type) == found


async def test_an_upsert_by_uuid_needs_a_uuid(api: Api) -> None:
    answer = await api.call("PUT", "/orders", upsert("not-a-uuid", id_type="uuid"))
    assert answer.status == 422
    assert answer.body["detail"][0]["type"] == "uuid_parsing"


async def test_the_upsert_takes_order_analytics_at_the_top_level_too(api: Api) -> None:
    await api.ok("PUT", "/orders", upsert(order_analytics={"affiliate_code": "A1"}))
    [record] = api.sandbox.records(DEFAULT_SHOP, "orders").values()
    assert record.data["order_analytics"] == {"affiliate_code": "A1"}


async def test_bulk_upserts_are_all_or_nothing(api: Api) -> None:
    items = [upsert(), upsert("1001", order=None, trackings=[tracking()])]
    orders = await api.ok("PUT", "/orders/bulk", items)
    assert len(orders) == 2
    assert orders[0]["uuid"] == orders[1]["uuid"]
    assert len(orders[1]["trackings"]) == 1
    other = {**PLACEMENT, "order_number": "1002", "external_id": "e-1002"}
    answer = await api.call(
        "PUT", "/orders/bulk", [upsert("1002", order=other), upsert("nope", order=None)]
    )
    error = value_error(
        ["body", 1, "id"], "the order does not exist; give `order` to create it", "id"
    )
    assert (answer.status, answer.body) == (404, keyed("order_not_found", [error]))
    assert api.sandbox.find_order(DEFAULT_SHOP, "1002") is None
    bad_zip = {**other, "address": {"zip_code": "?"}}
    answer = await api.call(
        "PUT", "/orders/bulk", [upsert("1002", order=other), upsert(order=bad_zip)]
    )
    assert answer.status == 422
    assert answer.body["errors"][0]["loc"] == ["body", 1, "order", "address", "zip_code"]


# -- updating orders, shipments, events ---------------------------------------------------------


async def test_patching_an_order_merges_the_address(api: Api) -> None:
    order = await api.ok("POST", "/orders", PLACEMENT)
    changes = {
        "address": {"city": "Potsdam", "zip_code": "14467"},
        "expected_number_of_shipments": 2,
    }
    patched = await api.ok("PATCH", f"/orders/{order['uuid']}", changes)
    assert patched["address"] == {**order["address"], "city": "Potsdam", "zip_code": "14467"}
    bad = await api.call("PATCH", f"/orders/{order['uuid']}", {"address": {"zip_code": "1"}})
    assert (bad.status, bad.body["key"]) == (422, "zip_code_invalid")


async def test_unknown_and_malformed_order_ids(api: Api) -> None:
    answer = await api.call("PATCH", f"/orders/{MISSING_UUID}", {})
    assert (answer.status, answer.body) == (404, keyed("order_not_found"))
    answer = await api.call("PATCH", "/orders/1001", {})
    assert answer.status == 422
    assert answer.body["detail"][0]["loc"] == ["path", "order_id"]


async def test_patching_a_shipment_replaces_its_products(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking()]))
    shipment = order["trackings"][0]
    path = f"/orders/{order['uuid']}/shipments/{shipment['id']}"
    patched = await api.ok("PATCH", path, {"tracking_url": "https://t.example/1", "products": []})
    assert (patched["carrier"]["tracking_url"], patched["products"]) == ("https://t.example/1", [])
    other = await api.ok("POST", "/orders", {**PLACEMENT, "order_number": "2", "external_id": "2"})
    answer = await api.call("PATCH", f"/orders/{other['uuid']}/shipments/{shipment['id']}", {})
    assert (answer.status, answer.body) == (404, keyed("shipment_not_found"))


async def test_shipment_events_are_appended_once_per_external_id(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking()]))
    shipment_id = order["trackings"][0]["id"]
    event = {
        "event_name": "SUCCESSFULLY_DELIVERED",
        "event_time": "2026-05-20T10:00:00+02:00",
        "external_id": "ev-1",
    }
    shipment = await api.ok("POST", f"/shipments/{shipment_id}/events", event)
    assert shipment["state"] == "delivered"
    last = shipment["events"][-1]
    assert (last["event_key"], last["phase"], last["time"]) == (
        "SUCCESSFULLY_DELIVERED",
        "delivered",
        "2026-05-20T08:00:00+00:00",
    )
    again = await api.ok("POST", f"/shipments/{shipment_id}/events", event)
    assert len(again["events"]) == len(shipment["events"])
    answer = await api.call("POST", f"/shipments/{MISSING_UUID}/events", event)
    assert (answer.status, answer.body) == (404, keyed("shipment_not_found"))
    answer = await api.call("POST", f"/shipments/{shipment_id}/events", {"event_name": "X"})
    assert [item["loc"][-1] for item in answer.body["detail"]] == ["event_time", "external_id"]
