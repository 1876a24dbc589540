"""The Karla sandbox's product catalogue and Shopify webhook registrations, on the raw API."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.karla.sandbox import DEFAULT_SHOP, VIEWER_API_KEY
from tests.karla.sandbox.support import MISSING_UUID, Api, keyed

pytestmark = pytest.mark.anyio


def variant(product_id: str = "MUG", variant_id: str = "BLUE", **fields: Any) -> dict[str, Any]:
    return {"product_id": product_id, "variant_id": variant_id, "title": "Mug", **fields}


async def inspect(api: Api, path: str) -> Any:
    async with api.session.get(f"{api.sandbox.root_url}/_sandbox{path}") as response:
        assert response.status == 200
        return await response.json()


async def test_the_catalogue_is_stored_by_product_and_inspectable(api: Api) -> None:
    answer = await api.ok(
        "POST", "/products", [variant(price="9.5"), variant(variant_id="RED", sku="R")]
    )

    record = await inspect(api, f"/shops/{DEFAULT_SHOP}/products/MUG")
    listing = await inspect(api, f"/shops/{DEFAULT_SHOP}/products")
    assert [item["variant_id"] for item in answer] == ["BLUE", "RED"]
    assert answer[0]["price"] == 9.5
    assert answer[0]["variant_title"] is None
    assert sorted(record["data"]["variants"]) == ["BLUE", "RED"]
    assert [entry["key"] for entry in listing["records"]] == ["MUG"]


async def test_a_bulk_upsert_with_one_bad_variant_stores_nothing_and_names_it(api: Api) -> None:
    answer = await api.call(
        "POST", "/products", [variant(), {"product_id": "MUG", "translations": {"de": "x"}}]
    )

    assert answer.status == 422
    assert [(item["loc"], item["msg"]) for item in answer.body["detail"]] == [
        (["body", 1, "variant_id"], "Field required"),
        (
            ["body", 1, "translations", "de"],
            "Input should be a valid dictionary or object to extract fields from",
        ),
    ]
    assert api.sandbox.find_product(DEFAULT_SHOP, "MUG") is None


async def test_a_put_takes_the_ids_from_the_path_and_replaces_the_variant(api: Api) -> None:
    await api.ok("POST", "/products", [variant(sku="OLD", price=3)])
    first = api.sandbox.find_variant(DEFAULT_SHOP, "MUG", "BLUE")

    put = await api.ok(
        "PUT", "/products/MUG/variants/BLUE", {"product_id": "OTHER", "title": "Mug 2"}
    )

    assert first is not None
    assert (put["product_id"], put["title"], put["sku"], put["price"]) == (
        "MUG",
        "Mug 2",
        None,
        None,
    )
    assert put["created_at"] == first["created_at"]
    assert api.sandbox.find_product(DEFAULT_SHOP, "OTHER") is None


async def test_deleting_a_product_cascades_and_a_second_delete_is_not_found(api: Api) -> None:
    await api.ok("POST", "/products", [variant(), variant(variant_id="RED")])

    deleted = await api.ok("DELETE", "/products/MUG")
    again = await api.call("DELETE", "/products/MUG")
    await api.ok("PUT", "/products/MUG/variants/GREEN", {"title": "Mug"})

    assert sorted(deleted["variants"]) == ["BLUE", "RED"]
    assert (again.status, again.body) == (404, {"detail": "Product not found"})
    product = api.sandbox.find_product(DEFAULT_SHOP, "MUG")
    assert product is not None
    assert sorted(product["variants"]) == ["GREEN"]  # a deleted product's ids start afresh


async def test_a_viewer_may_not_write_the_catalogue(api: Api) -> None:
    answer = await api.call("POST", "/products", [variant()], auth=("sandbox-shop", VIEWER_API_KEY))

    assert answer.status == 403


async def test_injected_faults_reach_the_catalogue(serve: Any) -> None:
    api = await serve(faults="503=1.0")

    answer = await api.call("POST", "/products", [variant()])

    assert answer.status == 503
    assert api.sandbox.find_product(DEFAULT_SHOP, "MUG") is None


async def test_a_shopify_webhook_type_is_registered_once(api: Api) -> None:
    created = await api.ok("POST", "/shopify/webhooks", {"webhook_type": "order_update"})
    twice = await api.call("POST", "/shopify/webhooks", {"webhook_type": "order_update"})
    unknown = await api.call("POST", "/shopify/webhooks", {"webhook_type": "order_deleted"})
    missing = await api.call("GET", f"/shopify/webhooks/{MISSING_UUID}")
    listed = await api.ok("GET", "/shopify/webhooks?per_page=1")
    record = await inspect(api, f"/shops/{DEFAULT_SHOP}/shopify_webhooks/{created['uuid']}")

    assert (created["topic"], created["webhook_type"]) == ("orders/updated", "order_update")
    assert twice.status == 409
    assert twice.body == {"detail": "A Shopify webhook of type 'order_update' exists"}
    assert unknown.status == 422
    assert [item["loc"] for item in unknown.body["detail"]] == [["body", "webhook_type"]]
    assert (missing.status, missing.body) == (404, keyed("webhook_not_found"))
    assert listed == [created]
    assert record["data"] == created
    assert (await api.ok("DELETE", f"/shopify/webhooks/{created['uuid']}"))["uuid"] == created[
        "uuid"
    ]
    gone = await api.call("DELETE", f"/shopify/webhooks/{created['uuid']}")
    assert gone.status == 404
