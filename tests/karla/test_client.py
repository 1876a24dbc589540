"""`AsyncKarla` end to end against the Karla sandbox on loopback: every endpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopbridge.core._errors import (
    ConfigurationError,
    ConflictError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    ValidationError,
)
from shopbridge.core.sansio._verdict import Action
from shopbridge.karla import (
    Address,
    AnnouncementCreate,
    AnnouncementUpdate,
    AsyncKarla,
    CampaignRequest,
    ClaimCreate,
    ClaimUpdate,
    DiscountCreate,
    DiscountUpdate,
    OrderPlacement,
    OrderShipmentUpdate,
    OrderTracking,
    OrderUpdate,
    OrderUpsert,
    ShipmentEvent,
    ShopCreate,
    ShopUpdate,
    WebhookCreate,
    WebhookUpdate,
)
from shopbridge.karla._endpoints import SHOP_GET
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    EXPIRED_API_KEY,
    LATEST_KARLA_VERSION,
    OTHER_SHOP,
    KarlaSandbox,
)
from tests.karla.conftest import client

pytestmark = pytest.mark.anyio

PLACED = datetime(2026, 5, 18, 10, tzinfo=UTC)


def placement(number: str = "1001") -> OrderPlacement:
    return OrderPlacement(
        order_number=number,
        external_id=f"shopify-{number}",
        address=Address(zip_code="10115", city="Berlin", country_code="DE"),
        order_placed_at=PLACED,
        email_id="marie@example.com",
    )


def upsert(number: str = "1001", tracking: str = "00340434") -> OrderUpsert:
    return OrderUpsert(
        id=number,
        order=placement(number),
        trackings=[OrderTracking(tracking_number=tracking, carrier_reference="dhl")],
    )


async def test_upsert_then_search_finds_the_order_with_its_tracking(karla: AsyncKarla) -> None:
    await karla.orders.upsert(upsert())

    (order,) = await karla.orders.search(order_number="1001")

    assert order.external_id == "shopify-1001"
    assert order.address is not None
    assert order.address.zip_code == "10115"
    assert [t.carrier.tracking_number for t in order.trackings if t.carrier] == ["00340434"]


async def test_upsert_is_an_upsert_and_never_conflicts(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    await karla.orders.upsert(upsert())
    await karla.orders.upsert(upsert(tracking="00340435"))

    (order,) = await karla.orders.search(order_number="1001")
    assert len(order.trackings) == 2
    assert sandbox.find_order(DEFAULT_SHOP, "1001") is not None


async def test_bulk_upsert_writes_every_order(karla: AsyncKarla) -> None:
    await karla.orders.bulk_upsert([upsert("2001"), upsert("2002", "T-2")])

    assert [o.order_number async for o in karla.orders.search()] == ["2001", "2002"]


async def test_place_creates_then_a_second_place_is_a_conflict(karla: AsyncKarla) -> None:
    created = await karla.orders.place(placement())

    assert created.created
    assert created.record is not None
    assert created.record["order_number"] == "1001"
    with pytest.raises(ConflictError) as caught:
        await karla.orders.place(placement())
    assert caught.value.error is not None
    assert caught.value.error.key == "order_exists"
    assert caught.value.verdict.rule == "karla-order_exists"


async def test_update_and_update_shipment(karla: AsyncKarla) -> None:
    await karla.orders.upsert(upsert())
    (order,) = await karla.orders.search(order_number="1001")
    shipment_id = order.trackings[0].id

    updated = await karla.orders.update(order.uuid, OrderUpdate(expected_number_of_shipments=2))
    tracking = await karla.orders.update_shipment(
        order.uuid, shipment_id, OrderShipmentUpdate(tracking_url="https://track.example/1")
    )

    assert updated.uuid == order.uuid
    assert tracking.carrier is not None
    assert tracking.carrier.tracking_url == "https://track.example/1"


async def test_update_of_an_unknown_order_is_not_found(karla: AsyncKarla) -> None:
    with pytest.raises(NotFoundError) as caught:
        await karla.orders.update(
            "00000000-0000-4000-8000-000000000000", OrderUpdate(expected_number_of_shipments=1)
        )

    assert caught.value.error is not None
    assert caught.value.error.key == "order_not_found"


async def test_upsert_without_order_of_a_missing_order_is_order_not_found(
    karla: AsyncKarla,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await karla.orders.upsert({"id": "9999", "trackings": []})

    assert caught.value.error is not None
    assert caught.value.error.key == "order_not_found"


async def test_add_event_pushes_an_event_onto_a_shipment(karla: AsyncKarla) -> None:
    await karla.orders.upsert(upsert())
    (order,) = await karla.orders.search(order_number="1001")

    answer = await karla.shipments.add_event(
        order.trackings[0].id,
        ShipmentEvent(event_name="PACKED", event_time=PLACED, external_id="evt-1"),
    )

    assert any(event["event_key"] == "PACKED" for event in answer["events"])


async def test_pagination_reads_every_page(karla: AsyncKarla, sandbox: KarlaSandbox) -> None:
    for number in range(7):
        await karla.orders.upsert(upsert(f"30{number}", f"T-{number}"))
    before = sandbox.stats.requests

    numbers = [order.order_number async for order in karla.orders.search(per_page=3)]
    pages = [len(page) async for page in karla.orders.search(per_page=3).by_page()]

    assert numbers == [f"30{n}" for n in range(7)]
    assert pages == [3, 3, 1]
    assert sandbox.stats.requests - before == 6
    assert len(await karla.orders.search(per_page=3, page=3)) == 1


async def test_a_page_ending_exactly_asks_one_empty_page_more(karla: AsyncKarla) -> None:
    for number in range(4):
        await karla.orders.upsert(upsert(f"40{number}", f"T-{number}"))

    assert [len(page) async for page in karla.orders.search(per_page=2).by_page()] == [2, 2]


async def test_shops_get_search_create_update_delete(karla: AsyncKarla) -> None:
    shop = await karla.shops.get()
    assert shop.slug == DEFAULT_SHOP
    assert DEFAULT_SHOP in [s.slug async for s in karla.shops.search()]

    created = await karla.shops.create(
        ShopCreate(name="New", slug="new-shop", organization="sandbox-org", klaviyo_enabled=False)
    )
    assert created.record is not None
    assert created.record.slug == "new-shop"
    with pytest.raises(ConflictError):
        await karla.shops.create(
            ShopCreate(name="New", slug="new-shop", organization="o", klaviyo_enabled=False)
        )

    updated = await karla.shops.update(ShopUpdate(description="Our shop"))
    assert updated.description == "Our shop"
    await karla.shops.delete("new-shop")


async def test_shop_keys(karla: AsyncKarla) -> None:
    assert (await karla.shops.set_klaviyo_key("pk_live_123"))["configured"] is True
    await karla.shops.set_shopify_token("shpat_123")
    await karla.shops.set_shopware_credentials("client-id", "client-secret")


async def test_settings(karla: AsyncKarla) -> None:
    settings = await karla.settings.set({"carriers": {"shipment_updates": True}})
    assert settings.carriers == {"shipment_updates": True}

    assert await karla.settings.update_carriers(shipment_updates=False) == {
        "shipment_updates": False
    }
    with pytest.raises(NotFoundError) as caught:
        await karla.settings.update_triggers(klaviyo=True)  # no Klaviyo key yet
    assert caught.value.error is not None
    assert caught.value.error.key == "klaviyo_key_not_found"
    await karla.shops.set_klaviyo_key("pk_live_123")
    assert (await karla.settings.update_triggers(klaviyo=True))["klaviyo"] is True
    assert (await karla.settings.update_segments(shopify=True))["shopify"] is True
    await karla.settings.update_trackpages({"theme": "dark"})
    settings = await karla.settings.get()
    assert settings.carriers == {"shipment_updates": False}


async def test_campaigns(karla: AsyncKarla) -> None:
    request = CampaignRequest(
        name="Summer",
        segment="default",
        promotion_type="basic",
        promotion_properties={"title": "Hi"},
    )
    created = await karla.campaigns.create(request)
    assert created.record is not None
    uuid = created.record.uuid

    replaced = await karla.campaigns.replace(
        uuid,
        CampaignRequest(
            name="Summer sale", segment="default", promotion_type="basic", promotion_properties={}
        ),
    )
    assert replaced.name == "Summer sale"
    assert [c.uuid async for c in karla.campaigns.search(segment="default")] == [uuid]
    await karla.campaigns.delete(uuid)
    with pytest.raises(NotFoundError):
        await karla.campaigns.delete(uuid)


async def test_campaign_with_an_invalid_type_is_campaign_type_invalid(karla: AsyncKarla) -> None:
    with pytest.raises(PayloadRejectedError) as caught:
        await karla.campaigns.create(
            {"name": "x", "segment": "s", "promotion_type": "poster", "promotion_properties": {}}
        )

    assert caught.value.error is not None
    assert caught.value.error.key == "campaign_type_invalid"


async def test_discounts(karla: AsyncKarla) -> None:
    created = await karla.discounts.create(
        DiscountCreate(type="order", code="SUMMER10", value_type="percentage", value=10)
    )
    assert created.record is not None
    updated = await karla.discounts.update(created.record.uuid, DiscountUpdate(value=15))
    assert updated.value == 15
    assert [d.code async for d in karla.discounts.search(code="SUMMER10")] == ["SUMMER10"]
    await karla.discounts.delete(created.record.uuid)


async def test_announcements(karla: AsyncKarla) -> None:
    created = await karla.announcements.create(AnnouncementCreate(text="Hello", language="en"))
    assert created.record is not None
    assert created.record.uuid is not None
    updated = await karla.announcements.update(created.record.uuid, AnnouncementUpdate(text="Hi"))
    assert updated.text == "Hi"
    assert [a.text async for a in karla.announcements.search(language="en")] == ["Hi"]
    await karla.announcements.delete(created.record.uuid)


async def test_webhooks_and_their_secret(karla: AsyncKarla) -> None:
    created = await karla.webhooks.create(WebhookCreate(url="http://127.0.0.1:9/hook"))
    assert created.record is not None
    webhook = created.record
    assert webhook.secret is not None
    assert 16 <= len(webhook.secret) <= 64
    assert webhook.secret not in repr(webhook)
    assert webhook.enabled_events == ("*",)

    updated = await karla.webhooks.update(webhook.uuid, WebhookUpdate(status="inactive"))
    assert updated.status == "inactive"
    assert [w.uuid async for w in karla.webhooks.search(status="inactive")] == [webhook.uuid]
    await karla.webhooks.delete(webhook.uuid)


async def test_claims(karla: AsyncKarla) -> None:
    await karla.orders.upsert(upsert())
    (order,) = await karla.orders.search(order_number="1001")

    created = await karla.claims.create(
        ClaimCreate(reason="damage", shipment_id=order.trackings[0].id, description="broken")
    )
    assert created.record is not None
    claim = created.record
    assert claim.order_number == "1001"
    updated = await karla.claims.update(claim.uuid, ClaimUpdate(status="accepted"))
    assert updated.status == "accepted"
    assert [c.uuid async for c in karla.claims.search(status="accepted")] == [claim.uuid]
    await karla.claims.delete(claim.uuid)


async def test_an_invalid_body_is_refused_before_sending(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    before = sandbox.stats.requests

    with pytest.raises(ValidationError) as caught:
        await karla.orders.upsert(
            {"id": "1", "order": {"order_number": "1", "address": {}}, "trackings": [{}]}
        )

    assert dict(caught.value.field_errors) == {
        "order.external_id": ("Field required",),
        "order.address.zip_code": ("Field required",),
        "trackings.0.tracking_number": ("Field required",),
    }
    assert caught.value.attempts == 0
    assert sandbox.stats.requests == before


async def test_without_validation_the_servers_422_carries_the_same_paths(
    sandbox: KarlaSandbox,
) -> None:
    body = {"id": "1", "order": {"order_number": "1", "address": {}}, "trackings": [{}]}
    async with AsyncKarla(
        DEFAULT_SHOP, DEFAULT_API_KEY, DEFAULT_SHOP, base_url=sandbox.base_url, validate=False
    ) as unchecked:
        with pytest.raises(PayloadRejectedError) as caught:
            await unchecked.orders.upsert(body)

    assert caught.value.status == 422
    assert set(caught.value.field_errors) >= {
        "order.external_id",
        "order.address.zip_code",
        "trackings.0.tracking_number",
    }


async def test_a_bad_zip_code_is_zip_code_invalid(karla: AsyncKarla) -> None:
    order = OrderUpsert(
        id="1",
        order=OrderPlacement(
            order_number="1", external_id="e", address=Address(zip_code="ABC", country_code="DE")
        ),
        trackings=[],
    )

    with pytest.raises(PayloadRejectedError) as caught:
        await karla.orders.upsert(order)

    assert caught.value.error is not None
    assert caught.value.error.key == "zip_code_invalid"


@pytest.mark.parametrize(
    ("username", "api_key", "shop", "status"),
    [
        pytest.param(DEFAULT_SHOP, "wrong-key", DEFAULT_SHOP, 400, id="wrong-key-400"),
        pytest.param(DEFAULT_SHOP, EXPIRED_API_KEY, DEFAULT_SHOP, 401, id="expired-401"),
        pytest.param(DEFAULT_SHOP, DEFAULT_API_KEY, OTHER_SHOP, 403, id="other-shop-403"),
    ],
)
async def test_credentials_are_refused_and_never_echoed(
    sandbox: KarlaSandbox, username: str, api_key: str, shop: str, status: int
) -> None:
    async with client(sandbox, username=username, api_key=api_key, shop=shop) as karla:
        with pytest.raises(CredentialsRejectedError) as caught:
            await karla.shops.get()

    assert caught.value.status == status
    assert caught.value.action is Action.FIX_CREDENTIALS
    assert caught.value.attempts == 1
    assert api_key not in str(caught.value)
    assert api_key not in repr(caught.value)


async def test_karla_version_is_sent_only_when_set(sandbox: KarlaSandbox) -> None:
    async with client(sandbox, api_version="2023-06-01") as pinned, client(sandbox) as latest:
        pinned_reply = (await pinned.call(SHOP_GET)).reply
        latest_reply = (await latest.call(SHOP_GET)).reply

    assert pinned_reply.headers["Karla-Version"] == "2023-06-01"
    assert latest_reply.headers["Karla-Version"] == LATEST_KARLA_VERSION


async def test_answers_wrapped_in_data_and_metadata_are_unwrapped() -> None:
    async with KarlaSandbox(wrap_responses=True) as sandbox, client(sandbox) as karla:
        await karla.orders.upsert(upsert())
        (order,) = await karla.orders.search(order_number="1001")
        shop = await karla.shops.get()

    assert order.order_number == "1001"
    assert shop.slug == DEFAULT_SHOP


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"username": ""}, "username is empty", id="no-username"),
        pytest.param({"api_key": " key"}, "api_key contains whitespace", id="key-whitespace"),
        pytest.param({"username": "a:b"}, "must not contain ':'", id="colon"),
        pytest.param({"api_version": "latest"}, "api_version must be a date", id="version"),
        pytest.param({"base_url": "http://api.example.com/v1"}, "plain http", id="plain-http"),
    ],
)
def test_configuration_errors_name_the_setting_and_never_the_key(
    kwargs: dict[str, str], message: str
) -> None:
    settings = {"username": DEFAULT_SHOP, "api_key": "secret-key-123", "shop_slug": DEFAULT_SHOP}
    base_url = kwargs.pop("base_url", "https://api.gokarla.io/v1")
    api_version = kwargs.pop("api_version", None)
    settings.update(kwargs)

    with pytest.raises(ConfigurationError) as caught:
        AsyncKarla(
            settings["username"],
            settings["api_key"],
            settings["shop_slug"],
            base_url=base_url,
            api_version=api_version,
        )

    assert message in str(caught.value)
    assert "secret-key-123" not in str(caught.value)


def test_the_repr_never_shows_the_key() -> None:
    karla = AsyncKarla(DEFAULT_SHOP, "secret-key-123", DEFAULT_SHOP)

    assert "secret-key-123" not in repr(karla)
    assert (
        repr(karla) == "AsyncKarla(shop_slug='sandbox-shop', base_url='https://api.gokarla.io/v1')"
    )
