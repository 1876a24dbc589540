"""`Karla`, the blocking twin, against the sandbox on a background thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shopbridge.core._errors import ConflictError, CredentialsRejectedError, ValidationError
from shopbridge.karla import (
    Address,
    AnnouncementCreate,
    CampaignRequest,
    ClaimCreate,
    DiscountCreate,
    Karla,
    OrderPlacement,
    OrderTracking,
    OrderUpsert,
    WebhookCreate,
)
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    EXPIRED_API_KEY,
    KarlaSandbox,
)
from tests.karla.conftest import FAST

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def sandbox() -> Iterator[KarlaSandbox]:
    with KarlaSandbox().running_in_thread() as running:
        yield running


@pytest.fixture
def karla(sandbox: KarlaSandbox) -> Iterator[Karla]:
    sandbox.reset()
    with Karla(
        DEFAULT_SHOP, DEFAULT_API_KEY, DEFAULT_SHOP, base_url=sandbox.base_url, retry=FAST
    ) as client:
        yield client


def upsert(number: str) -> OrderUpsert:
    return OrderUpsert(
        id=number,
        order=OrderPlacement(
            order_number=number, external_id=f"e-{number}", address=Address(zip_code="10115")
        ),
        trackings=[OrderTracking(tracking_number=f"T-{number}")],
    )


def test_orders_end_to_end_and_every_page_iterated(karla: Karla, sandbox: KarlaSandbox) -> None:
    for number in range(5):
        karla.orders.upsert(upsert(f"10{number}"))
    karla.orders.bulk_upsert([upsert("200"), upsert("201")])
    before = sandbox.stats.requests

    numbers = [order.order_number for order in karla.orders.search(per_page=2)]

    assert numbers == ["100", "101", "102", "103", "104", "200", "201"]
    assert sandbox.stats.requests - before == 4
    assert len(karla.orders.search(per_page=2).fetch()) == 2
    (order,) = karla.orders.search(order_number="102")
    assert karla.orders.update(order.uuid, {"expected_number_of_shipments": 2}).uuid == order.uuid
    assert (
        karla.orders.update_shipment(
            order.uuid, order.trackings[0].id, {"tracking_url": "https://t"}
        ).id
        == order.trackings[0].id
    )
    karla.shipments.add_event(
        order.trackings[0].id,
        {"event_name": "PACKED", "event_time": "2026-05-18T10:00:00+00:00", "external_id": "x"},
    )
    assert karla.orders.place(
        {"order_number": "300", "external_id": "e-300", "address": {"zip_code": "10115"}}
    ).created
    with pytest.raises(ConflictError):
        karla.orders.place(
            {"order_number": "300", "external_id": "e-300", "address": {"zip_code": "10115"}}
        )
    claim = karla.claims.create(ClaimCreate(reason="damage", shipment_id=order.trackings[0].id))
    assert claim.record is not None
    karla.claims.update(claim.record.uuid, {"status": "closed"})
    assert len(list(karla.claims.search())) == 1
    karla.claims.delete(claim.record.uuid)


def test_shops_settings_and_marketing(karla: Karla) -> None:
    assert karla.shops.get().slug == DEFAULT_SHOP
    assert [shop.slug for shop in karla.shops.search()] == [DEFAULT_SHOP]
    karla.shops.update({"description": "d"})
    karla.shops.set_klaviyo_key("pk_1")
    karla.shops.set_shopify_token("shpat_1")
    karla.shops.set_shopware_credentials("id")
    karla.settings.set({"carriers": {"shipment_updates": True}})
    karla.settings.update_carriers(shipment_updates=False)
    karla.settings.update_triggers(klaviyo=True)
    karla.settings.update_segments(klaviyo=False)
    karla.settings.update_trackpages({"theme": "dark"})
    assert karla.settings.get().carriers == {"shipment_updates": False}

    campaign = karla.campaigns.create(
        CampaignRequest(
            name="S", segment="default", promotion_type="basic", promotion_properties={}
        )
    ).record
    discount = karla.discounts.create(DiscountCreate(type="order", code="X")).record
    announcement = karla.announcements.create(AnnouncementCreate(text="Hi", language="de")).record
    webhook = karla.webhooks.create(WebhookCreate(url="http://127.0.0.1:9/h")).record
    assert campaign is not None
    assert discount is not None
    assert announcement is not None
    assert announcement.uuid is not None
    assert webhook is not None
    karla.campaigns.replace(
        campaign.uuid,
        {"name": "T", "segment": "default", "promotion_type": "basic", "promotion_properties": {}},
    )
    karla.discounts.update(discount.uuid, {"title": "Ten"})
    karla.announcements.update(announcement.uuid, {"text": "Hallo"})
    karla.webhooks.update(webhook.uuid, {"description": "mine"})
    assert [c.name for c in karla.campaigns.search()] == ["T"]
    assert [d.title for d in karla.discounts.search()] == ["Ten"]
    assert [a.text for a in karla.announcements.search()] == ["Hallo"]
    assert [w.description for w in karla.webhooks.search()] == ["mine"]
    karla.campaigns.delete(campaign.uuid)
    karla.discounts.delete(discount.uuid)
    karla.announcements.delete(announcement.uuid)
    karla.webhooks.delete(webhook.uuid)


def test_paging_and_bodies_are_refused_in_the_callers_thread(karla: Karla) -> None:
    with pytest.raises(ValidationError):
        karla.orders.search(per_page=500)
    with pytest.raises(ValidationError):
        karla.orders.upsert({"trackings": []})


def test_credentials_errors_raise_in_the_callers_thread(sandbox: KarlaSandbox) -> None:
    with (
        Karla(DEFAULT_SHOP, EXPIRED_API_KEY, DEFAULT_SHOP, base_url=sandbox.base_url) as karla,
        pytest.raises(CredentialsRejectedError) as caught,
    ):
        list(karla.orders.search())

    assert caught.value.status == 401
    assert EXPIRED_API_KEY not in str(caught.value)


def test_the_blocking_iterator_uses_the_clients_one_portal(karla: Karla) -> None:
    for number in range(3):
        karla.orders.upsert(upsert(f"50{number}"))
    portal, _ = karla._started()

    assert len(list(karla.orders.search(per_page=1))) == 3
    assert karla._started()[0] is portal


def test_repr_and_close(sandbox: KarlaSandbox) -> None:
    karla = Karla(DEFAULT_SHOP, "secret-key-123", DEFAULT_SHOP, base_url=sandbox.base_url)

    assert "secret-key-123" not in repr(karla)
    karla.close()
    assert karla.closed


def test_a_blocking_search_refuses_paging_karla_would_refuse_before_sending(
    karla: Karla, sandbox: KarlaSandbox
) -> None:
    before = sandbox.stats.requests

    with pytest.raises(ValidationError) as caught:
        karla.orders.search(per_page=101)

    assert caught.value.field_errors == {"per_page": ("Input should be less than or equal to 100",)}
    assert caught.value.attempts == 0
    assert sandbox.stats.requests == before
