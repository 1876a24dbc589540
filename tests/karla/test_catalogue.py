"""Karla's catalogue, org members and Shopify webhooks, async and blocking, on the sandbox."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from shopbridge.core._errors import (
    ConflictError,
    CredentialsRejectedError,
    NotFoundError,
    ValidationError,
)
from shopbridge.karla import (
    Karla,
    OrgMember,
    ProductVariant,
    ShopifyWebhook,
    VariantTranslation,
)
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_ORG,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    KarlaAccounts,
    KarlaApiKey,
    KarlaSandbox,
    KarlaShop,
)
from tests.karla.conftest import client

if TYPE_CHECKING:
    from shopbridge.karla import AsyncKarla

pytestmark = pytest.mark.anyio

MUG = ProductVariant(
    product_id="MUG",
    variant_id="MUG-BLUE",
    title="Mug",
    variant_title="Blue",
    price=Decimal("12.90"),
    sku="MUG-1",
    product_url="https://shop.example/mug",
    translations={"de": VariantTranslation(title="Becher"), "fr": {"title": "Tasse"}},
)


async def test_variants_are_upserted_in_bulk_with_their_translations(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    await karla.products.upsert_many([MUG, {"product_id": "MUG", "variant_id": "MUG-RED"}])
    await karla.products.upsert_many([{"product_id": "MUG", "variant_id": "MUG-RED", "sku": "R"}])

    product = sandbox.find_product(DEFAULT_SHOP, "MUG")
    assert product is not None
    assert sorted(product["variants"]) == ["MUG-BLUE", "MUG-RED"]
    blue = product["variants"]["MUG-BLUE"]
    assert blue["translations"] == {"de": {"title": "Becher"}, "fr": {"title": "Tasse"}}
    assert blue["price"] == 12.9
    assert product["variants"]["MUG-RED"]["sku"] == "R"


async def test_one_variant_is_put_with_its_ids_as_single_path_segments(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    for product_id, variant_id in (("a/b", "x y"), ("..", "?#%"), ("P.1", "V/1/..")):
        await karla.products.upsert_variant(
            ProductVariant(product_id=product_id, variant_id=variant_id, title="T")
        )
        variant = sandbox.find_variant(DEFAULT_SHOP, product_id, variant_id)
        assert variant is not None
        assert (variant["product_id"], variant["variant_id"], variant["title"]) == (
            product_id,
            variant_id,
            "T",
        )
    assert sandbox.find_product(DEFAULT_SHOP, "a") is None


async def test_a_variant_without_its_ids_or_with_bad_fields_is_refused_before_sending(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    with pytest.raises(ValidationError) as missing:
        await karla.products.upsert_variant({"variant_id": "V", "title": "T"})
    with pytest.raises(ValidationError) as bad:
        await karla.products.upsert_many(
            [
                MUG,
                {"product_id": "", "variant_id": "V", "price": "12,90", "translations": {"de": {}}},
            ]
        )

    assert missing.value.field_errors == {"product_id": ("Input should be a valid string",)}
    assert bad.value.field_errors == {
        "1.product_id": ("String should have at least 1 character",),
        "1.price": ("Input should be a valid number, unable to parse string as a number",),
        "1.translations.de.title": ("Field required",),
    }
    assert sandbox.stats.requests == 0


async def test_deleting_a_product_deletes_every_variant(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    await karla.products.upsert_many(
        [{"product_id": "P/1", "variant_id": f"V{n}"} for n in range(3)]
        + [{"product_id": "P2", "variant_id": "V0"}]
    )

    await karla.products.delete("P/1")

    assert sandbox.find_product(DEFAULT_SHOP, "P/1") is None
    assert sandbox.find_variant(DEFAULT_SHOP, "P/1", "V0") is None
    assert sandbox.find_variant(DEFAULT_SHOP, "P2", "V0") is not None
    with pytest.raises(NotFoundError) as gone:
        await karla.products.delete("P/1")
    assert gone.value.verdict.rule == "karla-404"


async def test_org_members_are_searched_and_paged(karla: AsyncKarla) -> None:
    everyone = [member async for member in karla.orgs.members(DEFAULT_ORG, per_page=1)]
    tester = await karla.orgs.members(DEFAULT_ORG, email_id="tester@sandbox-org.example")

    assert [member.email_id for member in everyone] == [
        "owner@sandbox-org.example",
        "tester@sandbox-org.example",
    ]
    assert everyone[0].shops == ("sandbox-shop", "other-shop")
    assert tester == [
        OrgMember(
            email_id="tester@sandbox-org.example",
            org=DEFAULT_ORG,
            feature_community="beta",
            feature_toggles={"claims": True},
            shops=("sandbox-shop",),
        )
    ]
    with pytest.raises(NotFoundError):
        await karla.orgs.members("no-such-org")
    with pytest.raises(ValidationError) as paging:
        karla.orgs.members(DEFAULT_ORG, per_page=101)
    assert paging.value.field_errors == {"per_page": ("Input should be less than or equal to 100",)}


async def test_org_members_of_an_org_the_key_does_not_reach_are_refused() -> None:
    accounts = KarlaAccounts(
        shops=(KarlaShop(slug=DEFAULT_SHOP), KarlaShop(slug="lone", organization="acme")),
        keys=(KarlaApiKey(key=DEFAULT_API_KEY, shops=(DEFAULT_SHOP,)),),
    )
    async with KarlaSandbox(accounts=accounts) as sandbox, client(sandbox) as karla:
        with pytest.raises(CredentialsRejectedError) as refused:
            await karla.orgs.members("acme")
        assert await karla.orgs.members(DEFAULT_ORG) == []
    assert refused.value.status == 403


async def test_shopify_webhooks_are_registered_once_per_type(karla: AsyncKarla) -> None:
    created = await karla.shopify_webhooks.create("order_creation")
    await karla.shopify_webhooks.create({"webhook_type": "order_update"})
    assert created.record is not None
    uuid = created.record.uuid

    with pytest.raises(ConflictError) as twice:
        await karla.shopify_webhooks.create("order_creation")
    got = await karla.shopify_webhooks.get(uuid)
    listed = [hook.webhook_type async for hook in karla.shopify_webhooks.list(per_page=1)]
    await karla.shopify_webhooks.delete(uuid)

    assert twice.value.verdict.rule == "karla-409"
    assert got == created.record
    assert (got.topic, got.shop_slug) == ("orders/create", DEFAULT_SHOP)
    assert listed == ["order_creation", "order_update"]
    with pytest.raises(NotFoundError) as gone:
        await karla.shopify_webhooks.get(uuid)
    assert gone.value.error is not None
    assert gone.value.error.key == "webhook_not_found"


async def test_a_shopify_webhook_type_karla_does_not_know_is_refused_before_sending(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    with pytest.raises(ValidationError) as refused:
        await karla.shopify_webhooks.create("order_deletion")  # type: ignore[arg-type]

    assert list(refused.value.field_errors) == ["webhook_type"]
    assert sandbox.stats.requests == 0


def test_the_blocking_twins_cover_the_catalogue_members_and_shopify_webhooks(
    karla_sandbox: KarlaSandbox,
) -> None:
    with Karla(
        DEFAULT_USERNAME, DEFAULT_API_KEY, DEFAULT_SHOP, base_url=karla_sandbox.base_url
    ) as karla:
        karla.products.upsert_many([MUG])
        karla.products.upsert_variant({"product_id": "MUG", "variant_id": "MUG-RED"})
        report = karla.products.push_many(
            {"product_id": "BULK", "variant_id": str(n)} for n in range(30)
        )
        karla.products.delete("MUG")
        members = list(karla.orgs.members(DEFAULT_ORG, per_page=1))
        made = karla.shopify_webhooks.create("order_fulfillment")
        assert made.record is not None
        hooks: list[ShopifyWebhook] = list(karla.shopify_webhooks.list())
        one = karla.shopify_webhooks.get(made.record.uuid)
        karla.shopify_webhooks.delete(made.record.uuid)
        after = karla.shopify_webhooks.list().fetch()

    assert report.ok
    assert report.total == 30
    assert karla_sandbox.find_product(DEFAULT_SHOP, "MUG") is None
    assert len(karla_sandbox.find_product(DEFAULT_SHOP, "BULK")["variants"]) == 30  # type: ignore[index]
    assert len(members) == 2
    assert hooks == [one]
    assert after == []
