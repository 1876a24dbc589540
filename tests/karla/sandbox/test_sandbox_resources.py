"""The Karla sandbox's shops, settings, campaigns, discounts, announcements, webhooks, claims."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from shopbridge.karla.sandbox import DEFAULT_SHOP, OTHER_API_KEY, OTHER_SHOP
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

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))
CAMPAIGN: dict[str, Any] = {
    "name": "Summer",
    "segment": "Karla.vip_customers",
    "promotion_type": "product",
    "promotion_properties": {
        "title": "Hi",
        "products": [{"product_url": "https://s/1", "currency": "EUR"}],
    },
}


async def upload(api: Api, path: str, data: bytes, content_type: str = "image/png") -> Any:
    form = aiohttp.FormData()
    form.add_field("image", data, filename="picture", content_type=content_type)
    url = f"{api.sandbox.base_url}/shops/{DEFAULT_SHOP}{path}"
    headers = {"Authorization": "Basic c2FuZGJveC1zaG9wOnNhbmRib3gta2V5"}
    async with api.session.post(url, data=form, headers=headers) as response:
        return response.status, await response.json()


# -- shops and settings --------------------------------------------------------------------------


async def test_shops_list_only_what_the_key_reaches(api: Api) -> None:
    shops = await api.ok("GET", "/shops")
    assert [shop["slug"] for shop in shops] == [DEFAULT_SHOP]
    assert shops[0]["language"] == "en"
    assert await api.ok("GET", f"/shops?slug={OTHER_SHOP}") == []


async def test_a_created_shop_is_reachable_by_its_creator_only(api: Api) -> None:
    body = {"name": "New", "organization": "org", "klaviyo_enabled": False, "slug": "new-shop"}
    shop = await api.ok("POST", "/shops", body)
    assert (shop["slug"], shop["go_live_at"]) == ("new-shop", None)
    assert (await api.ok("GET", "/shops/new-shop"))["uuid"] == shop["uuid"]
    assert (
        await api.call("GET", "/shops/new-shop", auth=(OTHER_SHOP, OTHER_API_KEY))
    ).status == 403
    again = await api.call("POST", "/shops", body)
    slug_error = value_error(["body", "slug"], "a shop with this slug exists", "slug")
    assert (again.status, again.body) == (409, keyed("shop_exists", [slug_error]))
    answer = await api.call("GET", "/shops/new-shop/settings")
    assert (answer.status, answer.body) == (404, keyed("shop_settings_not_found"))
    missing = await api.call("POST", "/shops", {"slug": "x"})
    assert [item["loc"][-1] for item in missing.body["detail"]] == [
        "name",
        "organization",
        "klaviyo_enabled",
    ]


async def test_a_shop_is_updated_and_deleted(api: Api) -> None:
    patched = await api.ok("PATCH", f"/shops/{DEFAULT_SHOP}", {"name": "Renamed", "language": "de"})
    assert (patched["name"], patched["language"]) == ("Renamed", "de")
    await api.ok("DELETE", f"/shops/{DEFAULT_SHOP}")
    for path in (f"/shops/{DEFAULT_SHOP}", "/orders", "/settings"):
        answer = await api.call("GET", path)
        assert (answer.status, answer.body) == (404, keyed("shop_not_found")), path
    api.sandbox.reset()
    assert (await api.ok("GET", f"/shops/{DEFAULT_SHOP}"))["name"] == DEFAULT_SHOP


async def test_settings_parts_update_alone(api: Api) -> None:
    settings = await api.ok("GET", "/settings")
    assert settings == {
        "carriers": {"shipment_updates": False},
        "triggers": {"klaviyo": False, "shopify": False},
        "segments": {"klaviyo": False, "shopify": False},
    }
    assert await api.ok("PUT", "/settings/carriers", {"shipment_updates": True}) == {
        "shipment_updates": True
    }
    assert await api.ok("PATCH", "/settings/segments", {"shopify": True}) == {
        "klaviyo": False,
        "shopify": True,
    }
    stored = await api.ok("POST", "/settings", {"triggers": {"shopify": True}})
    assert stored["carriers"] == {"shipment_updates": True}
    assert stored["triggers"] == {"klaviyo": False, "shopify": True}
    trackpages = await api.ok("PUT", "/settings/trackpages", {"version": 1, "data": {"a": 1}})
    assert trackpages["trackpages"] == {"version": 1, "data": {"a": 1}}


async def test_klaviyo_needs_its_key_first(api: Api) -> None:
    answer = await api.call("PATCH", "/settings/triggers", {"klaviyo": True})
    assert (answer.status, answer.body) == (404, keyed("klaviyo_key_not_found"))
    configured = await api.ok("PUT", "/keys/klaviyo", {"api_key": "pk_123"})
    assert configured == {"shop_slug": DEFAULT_SHOP, "provider": "klaviyo", "configured": True}
    assert await api.ok("PATCH", "/settings/triggers", {"klaviyo": True}) == {
        "klaviyo": True,
        "shopify": False,
    }
    assert (await api.call("PUT", "/keys/shopware", {})).status == 422


# -- uploads -------------------------------------------------------------------------------------


async def test_images_upload_and_other_files_are_415(api: Api) -> None:
    status, body = await upload(api, "/images/logo", PNG)
    assert status == 200
    assert body["image_type"] == "logo"
    assert body["shop_slug"] == DEFAULT_SHOP
    assert body["url"].endswith(".png")
    status, body = await upload(api, "/images/logo", b"%PDF-1.7 not an image", "image/png")
    assert status == 415
    assert body["key"] == "image_media_unsupported"
    assert body["type"] == "invalid_request_error"
    status, body = await upload(api, "/images/banner", PNG)
    assert (status, body["detail"][0]["loc"]) == (422, ["path", "image_type"])


async def test_campaign_images_and_product_positions(api: Api) -> None:
    campaign = await api.ok("POST", "/campaigns", CAMPAIGN)
    status, body = await upload(api, f"/campaigns/{campaign['uuid']}/image", PNG)
    assert status == 200
    assert body["promotion_properties"]["image_url"].endswith(".png")
    status, body = await upload(api, f"/campaigns/{campaign['uuid']}/products/0/image", PNG)
    assert status == 200
    assert body["promotion_properties"]["products"][0]["image_url"].endswith(".png")
    status, body = await upload(api, f"/campaigns/{campaign['uuid']}/products/5/image", PNG)
    assert (status, body) == (404, keyed("campaign_product_not_found"))
    status, body = await upload(api, f"/campaigns/{MISSING_UUID}/image", PNG)
    assert (status, body) == (404, keyed("campaign_not_found"))


# -- campaigns, discounts, announcements ------------------------------------------------------


async def test_campaigns(api: Api) -> None:
    campaign = await api.ok("POST", "/campaigns", CAMPAIGN)
    assert (campaign["status"], campaign["enabled"], campaign["discount"]) == (
        "inactive",
        False,
        None,
    )
    assert campaign["shop_slug"] == DEFAULT_SHOP
    enabled = await api.ok("PUT", f"/campaigns/{campaign['uuid']}", {**CAMPAIGN, "enabled": True})
    assert enabled["status"] == "active"
    later = {**CAMPAIGN, "name": "Later", "start_date": "2999-01-01T00:00:00Z"}
    assert (await api.ok("POST", "/campaigns", later))["status"] == "inactive"
    rival = await api.call("POST", "/campaigns", {**CAMPAIGN, "name": "Rival", "enabled": True})
    segment_error = value_error(
        ["body", "segment"], "another enabled campaign targets this segment", "segment"
    )
    assert (rival.status, rival.body) == (
        409,
        keyed("campaign_active_segment_exists", [segment_error]),
    )
    same_name = await api.call("POST", "/campaigns", CAMPAIGN)
    name_error = value_error(["body", "name"], "a campaign with this name exists", "name")
    assert (same_name.status, same_name.body) == (409, keyed("campaign_exists", [name_error]))
    found = await api.ok("GET", "/campaigns?enabled=true")
    assert [c["name"] for c in found] == ["Summer"]
    assert [
        c["name"] for c in await api.ok("GET", "/campaigns?start_date=2100-01-01T00:00:00Z")
    ] == ["Later"]
    await api.ok("DELETE", f"/campaigns/{campaign['uuid']}")
    answer = await api.call("DELETE", f"/campaigns/{campaign['uuid']}")
    assert (answer.status, answer.body) == (404, keyed("campaign_not_found"))


async def test_a_campaign_type_must_be_known(api: Api) -> None:
    answer = await api.call("POST", "/campaigns", {**CAMPAIGN, "promotion_type": "popup"})
    error = value_error(
        ["body", "promotion_type"],
        "promotion_type must be one of product, basic, banner",
        "promotion_type",
    )
    assert (answer.status, answer.body) == (422, keyed("campaign_type_invalid", [error]))


async def test_a_campaign_discount_must_exist(api: Api) -> None:
    answer = await api.call("POST", "/campaigns", {**CAMPAIGN, "discount_id": MISSING_UUID})
    assert (answer.status, answer.body) == (404, keyed("discount_not_found"))
    discount = await api.ok(
        "POST", "/discounts", {"type": "order", "code": "SUMMER10", "value": 10}
    )
    campaign = await api.ok("POST", "/campaigns", {**CAMPAIGN, "discount_id": discount["uuid"]})
    assert campaign["discount"] == discount


async def test_discounts(api: Api) -> None:
    body = {"type": "order", "code": "SAVE5", "value_type": "fixed_amount", "value": 5}
    discount = await api.ok("POST", "/discounts", body)
    assert (discount["code"], discount["shop_slug"], discount["target_type"]) == (
        "SAVE5",
        DEFAULT_SHOP,
        None,
    )
    again = await api.call("POST", "/discounts", body)
    code_error = value_error(["body", "code"], "a discount with this code exists", "code")
    assert (again.status, again.body) == (409, keyed("voucher_exists", [code_error]))
    patched = await api.ok("PATCH", f"/discounts/{discount['uuid']}", {"value": 7.5})
    assert patched["value"] == 7.5
    assert [d["uuid"] for d in await api.ok("GET", "/discounts?code=SAVE5")] == [discount["uuid"]]
    assert await api.ok("GET", "/discounts?type=shipping") == []
    await api.ok("DELETE", f"/discounts/{discount['uuid']}")
    answer = await api.call("PATCH", f"/discounts/{discount['uuid']}", {})
    assert (answer.status, answer.body) == (404, keyed("discount_not_found"))
    answer = await api.call("POST", "/discounts", {"code": "X"})
    assert answer.body["detail"][0]["loc"] == ["body", "type"]


async def test_announcements(api: Api) -> None:
    announcement = await api.ok("POST", "/announcements", {"text": "Hallo", "language": "de"})
    assert set(announcement) >= {"uuid", "text", "language", "created_at", "updated_at"}
    again = await api.call("POST", "/announcements", {"text": "Moin", "language": "de"})
    assert (again.status, again.body["key"]) == (409, "announcement_exists")
    assert again.body["message"] == "the announcement already exists."
    patched = await api.ok("PATCH", f"/announcements/{announcement['uuid']}", {"text": "Servus"})
    assert patched["text"] == "Servus"
    assert len(await api.ok("GET", "/announcements?language=de")) == 1
    bad = await api.call("POST", "/announcements", {"text": "Hi", "language": "xx"})
    assert bad.body["detail"][0]["msg"] == (
        "Input should be 'dk', 'nl', 'en', 'fr', 'de', 'it' or 'es'"
    )
    await api.ok("DELETE", f"/announcements/{announcement['uuid']}")
    answer = await api.call("PATCH", f"/announcements/{announcement['uuid']}", {})
    assert (answer.status, answer.body) == (404, keyed("announcement_not_found"))


# -- webhooks and claims ---------------------------------------------------------------------


async def test_a_webhook_gets_a_secret_and_defaults(api: Api) -> None:
    webhook = await api.ok("POST", "/webhooks", {"url": "https://example.com/hook"})
    assert 16 <= len(webhook["secret"]) <= 64
    assert (webhook["enabled_events"], webhook["status"]) == (["*"], "active")
    assert webhook["shop_slug"] == DEFAULT_SHOP
    second = await api.ok("POST", "/webhooks", {"url": "https://example.com/hook"})
    assert second["secret"] != webhook["secret"]
    given = await api.ok(
        "POST", "/webhooks", {"url": "http://127.0.0.1/h", "secret": "s" * 16, "status": "inactive"}
    )
    assert (given["secret"], given["status"]) == ("s" * 16, "inactive")
    short = await api.call("POST", "/webhooks", {"url": "https://e/h", "secret": "short"})
    assert short.body["detail"][0]["type"] == "string_too_short"
    assert len(await api.ok("GET", "/webhooks?status=active")) == 2
    patched = await api.ok("PATCH", f"/webhooks/{webhook['uuid']}", {"enabled_events": ["claims"]})
    assert (patched["enabled_events"], patched["secret"]) == (["claims"], webhook["secret"])
    await api.ok("DELETE", f"/webhooks/{webhook['uuid']}")
    answer = await api.call("PATCH", f"/webhooks/{webhook['uuid']}", {})
    assert (answer.status, answer.body) == (404, keyed("webhook_not_found"))


async def test_claims(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking("T-9")]))
    shipment_id = order["trackings"][0]["id"]
    claim = await api.ok("POST", "/claims", {"reason": "damage", "shipment_id": shipment_id})
    assert (claim["order_id"], claim["order_number"], claim["status"]) == (
        order["uuid"],
        PLACEMENT["order_number"],
        "pending",
    )
    assert (claim["tracking_number"], claim["carrier_reference"]) == ("T-9", "dhl")
    by_number = await api.ok("POST", "/claims", {"reason": "support", "tracking_number": "T-9"})
    assert by_number["shipment_id"] == shipment_id
    answer = await api.call("POST", "/claims", {"reason": "damage", "shipment_id": MISSING_UUID})
    assert (answer.status, answer.body) == (404, keyed("shipment_not_found"))
    answer = await api.call("POST", "/claims", {"reason": "damage"})
    assert answer.body["detail"][0]["loc"] == ["body", "shipment_id"]
    updated = await api.ok("PUT", f"/claims/{claim['uuid']}", {"status": "accepted"})
    assert updated["status"] == "accepted"
    assert [c["uuid"] for c in await api.ok("GET", "/claims?status=accepted")] == [claim["uuid"]]
    deleted = await api.ok("DELETE", f"/claims/{claim['uuid']}")
    assert deleted["deleted_at"] is not None
    answer = await api.call("PUT", f"/claims/{claim['uuid']}", {})
    assert (answer.status, answer.body) == (404, {"detail": "Claim not found"})


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    [
        ("PATCH", "/orders/{id}", {}, "order_not_found"),
        ("PATCH", "/orders/{id}/shipments/{id}", {}, "order_not_found"),
        (
            "POST",
            "/shipments/{id}/events",
            {"event_name": "X", "event_time": 0, "external_id": "e"},
            "shipment_not_found",
        ),
        ("PUT", "/campaigns/{id}", CAMPAIGN, "campaign_not_found"),
        ("DELETE", "/campaigns/{id}", None, "campaign_not_found"),
        ("PATCH", "/discounts/{id}", {}, "discount_not_found"),
        ("DELETE", "/discounts/{id}", None, "discount_not_found"),
        ("PATCH", "/announcements/{id}", {}, "announcement_not_found"),
        ("DELETE", "/announcements/{id}", None, "announcement_not_found"),
        ("PATCH", "/webhooks/{id}", {}, "webhook_not_found"),
        ("DELETE", "/webhooks/{id}", None, "webhook_not_found"),
    ],
)
async def test_unknown_ids_are_keyed_404s(
    api: Api, method: str, path: str, body: Any, key: str
) -> None:
    answer = await api.call(method, path.replace("{id}", MISSING_UUID), body)
    assert (answer.status, answer.body) == (404, keyed(key))
