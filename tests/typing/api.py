"""Type-only checks of the public API: mypy (strict) reads this file; nothing runs it.

Each assignment states the type a user may rely on. A change to the API that breaks one of these
lines breaks ``nox -s typecheck``, the way it would break a user's own type-checked code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shopbridge import (
    KANAL_TABLE,
    Action,
    AsyncKanal,
    AsyncKarla,
    BulkOutcome,
    BulkProgress,
    BulkReport,
    DecisionTable,
    HttpResponse,
    Kanal,
    Karla,
    RequestError,
    RequestFacts,
    RetryPolicy,
    Rule,
    SignatureError,
    StaleSignatureError,
    ValidationError,
    Verdict,
    decide,
)
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
    Sent,
    Shipment,
    ShipmentRecord,
    Template,
    Triggered,
    Upserted,
)
from shopbridge.karla import (
    DEFAULT_BATCH_SIZE,
    IMAGE_TYPES,
    SHOPIFY_WEBHOOK_TYPES,
    Address,
    Announcement,
    BlockingPages,
    Campaign,
    CampaignRequest,
    Claim,
    Created,
    Discount,
    ImageType,
    ImageUpload,
    OrderPlacement,
    OrderTracking,
    OrderUpsert,
    OrgMember,
    Pages,
    ProductVariant,
    Shop,
    ShopifyWebhook,
    ShopifyWebhookType,
    ShopSettings,
    Tracking,
    VariantTranslation,
    Webhook,
    WebhookEvent,
    read_event,
    sign,
    verify_signature,
)
from shopbridge.karla import Order as KarlaOrder

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

ORDER = Order(
    external_id="ORDER-1001",
    placed_at=datetime(2026, 5, 18, 10, tzinfo=UTC),
    total_price=Decimal("49.90"),
    customer=Customer(phone="+33612345678", tags=["vip"]),
)
AS_MAPPING: Mapping[str, Any] = {"external_id": "ORDER-1002"}


async def async_client(kanal: AsyncKanal) -> None:
    order: Upserted[OrderRecord] = await kanal.orders.upsert(ORDER)
    created: bool | None = order.created
    verdict: Verdict = order.verdict
    price: Decimal = order.record.total_price
    await kanal.orders.upsert(AS_MAPPING)
    updated: OrderRecord = await kanal.orders.update("ORDER-1001", OrderUpdate(tags=UNSET))
    checkout: Upserted[CheckoutRecord] = await kanal.checkouts.upsert(
        Checkout(
            external_id="C-1",
            abandoned_at=datetime(2026, 5, 18, tzinfo=UTC),
            total_price=10,
            customer=Customer(phone="+336"),
        )
    )
    recovered: CheckoutRecord = await kanal.checkouts.update(
        "C-1", CheckoutUpdate(status="recovered")
    )
    customer: Upserted[CustomerRecord] = await kanal.customers.upsert({"phone": "+336"})
    await kanal.customers.delete("CUST-42")
    shipment: Upserted[ShipmentRecord] = await kanal.shipments.upsert(
        Shipment(external_id="S-1", order_external_id="ORDER-1001", status="in_transit")
    )
    del created, verdict, price, updated, checkout, recovered, customer, shipment


def blocking_client() -> None:
    with Kanal("key", 1, retry=RetryPolicy(deadline=None)) as kanal:
        order: Upserted[OrderRecord] = kanal.orders.upsert(ORDER)
        try:
            kanal.orders.update("ORDER-1001", {"financial_status": "paid"})
        except ValidationError as error:
            paths: Mapping[str, tuple[str, ...]] = error.field_errors
            del paths
        except RequestError as error:
            action: Action = error.action
            retryable: bool = error.retryable
            del action, retryable
        del order


def tables() -> None:
    table: DecisionTable = KANAL_TABLE.prepend(
        Rule(name="mine", status=(500, 599), action=Action.FAIL, reason="fail fast")
    )
    verdict: Verdict = decide(
        table,
        HttpResponse(status=503),
        RequestFacts(method="POST", idempotent=True),
        now=0.0,
    )
    del verdict


KARLA_UPSERT = OrderUpsert(
    id="1001",
    order=OrderPlacement(order_number="1001", external_id="e-1", address=Address(zip_code="10115")),
    trackings=[OrderTracking(tracking_number="00340434")],
)


async def async_karla(karla: AsyncKarla) -> None:
    answer: object = await karla.orders.upsert(KARLA_UPSERT)
    await karla.orders.bulk_upsert([KARLA_UPSERT, {"id": "1002", "trackings": []}])
    pages: Pages[KarlaOrder] = karla.orders.search(order_number="1001", per_page=100)
    first: list[KarlaOrder] = await pages
    async for order in karla.orders.search():
        uuid: str = order.uuid
        trackings: tuple[Tracking, ...] = order.trackings
        del uuid, trackings
    created: Created[Campaign] = await karla.campaigns.create(
        CampaignRequest(
            name="Summer", segment="default", promotion_type="basic", promotion_properties={}
        )
    )
    already: bool = created.already_existed
    campaign: Campaign | None = created.record
    await karla.campaigns.delete("0b1c")
    logo: ImageUpload = await karla.shops.upload_image("logo", b"\x89PNG", slug="other-shop")
    url: str = logo.url
    kinds: tuple[ImageType, ...] = IMAGE_TYPES
    with_image: Campaign = await karla.campaigns.upload_image(
        "0b1c", "banner.png", content_type="image/png"
    )
    with_product_image: Campaign = await karla.campaigns.upload_product_image(
        "0b1c", 0, b"GIF89a", filename="shirt.gif"
    )
    del answer, first, already, campaign, url, kinds, with_image, with_product_image


def blocking_karla() -> None:
    with Karla("sandbox-shop", "key", "sandbox-shop", api_version="2024-01-05") as karla:
        pages: BlockingPages[KarlaOrder] = karla.orders.search(per_page=50)
        orders: list[KarlaOrder] = list(pages)
        first: list[KarlaOrder] = pages.fetch()
        karla.shipments.add_event(
            "s-1",
            {"event_name": "PACKED", "event_time": "2026-05-18T10:00:00+00:00", "external_id": "e"},
        )
        del orders, first


def blocking_karla_search(since: datetime) -> None:
    """The blocking searches take the async twins' typed, named filters."""
    with Karla("sandbox-shop", "key", "sandbox-shop") as karla:
        orders: BlockingPages[KarlaOrder] = karla.orders.search(
            order_number="1001", zip_code="10115", shipment_updated_since=since, per_page=10
        )
        shops: BlockingPages[Shop] = karla.shops.search(slug="sandbox-shop", language="de")
        campaigns: BlockingPages[Campaign] = karla.campaigns.search(
            segment="default", enabled=True, start_date=since
        )
        discounts: BlockingPages[Discount] = karla.discounts.search(code="X10", type="order")
        announcements: BlockingPages[Announcement] = karla.announcements.search(language="de")
        webhooks: BlockingPages[Webhook] = karla.webhooks.search(status="active", page=2)
        claims: BlockingPages[Claim] = karla.claims.search(order_id="o-1", status="pending")
        del orders, shops, campaigns, discounts, announcements, webhooks, claims


def blocking_karla_images(photo: Path) -> None:
    with Karla("sandbox-shop", "key", "sandbox-shop") as karla:
        logo: ImageUpload = karla.shops.upload_image("signature", photo)
        campaign: Campaign = karla.campaigns.upload_image("0b1c", photo, filename="hero.png")
        product: Campaign = karla.campaigns.upload_product_image("0b1c", 1, b"\xff\xd8\xff")
        del logo, campaign, product


VARIANT = ProductVariant(
    product_id="MUG",
    variant_id="MUG-BLUE",
    price=Decimal("12.90"),
    translations={"de": VariantTranslation(title="Becher"), "fr": {"title": "Tasse"}},
)


async def async_karla_catalogue(karla: AsyncKarla) -> None:
    answer: object = await karla.products.upsert_many([VARIANT, {"product_id": "P"}])
    one: object = await karla.products.upsert_variant(VARIANT)
    await karla.products.delete("MUG")
    report: BulkReport = await karla.products.push_many(
        "catalogue.csv", batch_size=DEFAULT_BATCH_SIZE, concurrency=4, checkpoint="cp.json"
    )
    members: Pages[OrgMember] = karla.orgs.members("my-org", email_id="a@example.com")
    first: list[OrgMember] = await members
    kinds: tuple[ShopifyWebhookType, ...] = SHOPIFY_WEBHOOK_TYPES
    made: Created[ShopifyWebhook] = await karla.shopify_webhooks.create("order_creation")
    hooks: Pages[ShopifyWebhook] = karla.shopify_webhooks.list(per_page=10)
    hook: ShopifyWebhook = await karla.shopify_webhooks.get("0b1c")
    await karla.shopify_webhooks.delete(hook.uuid)
    del answer, one, report, first, kinds, made, hooks


def blocking_karla_catalogue() -> None:
    with Karla("shop", "key", "shop") as karla:
        report: BulkReport = karla.products.push_many(iter([VARIANT]), batch_size=50)
        karla.products.upsert_many([VARIANT])
        karla.products.upsert_variant({"product_id": "P", "variant_id": "V"})
        karla.products.delete("P")
        members: BlockingPages[OrgMember] = karla.orgs.members("my-org", per_page=5)
        everyone: list[OrgMember] = list(members)
        made: Created[ShopifyWebhook] = karla.shopify_webhooks.create("order_update")
        hooks: BlockingPages[ShopifyWebhook] = karla.shopify_webhooks.list()
        hook: ShopifyWebhook = karla.shopify_webhooks.get("0b1c")
        karla.shopify_webhooks.delete(hook.uuid)
        karla.shopify_webhooks.create("order_deleted")  # type: ignore[arg-type]
        karla.products.push_many([VARIANT], batch_size="100")  # type: ignore[arg-type]
        karla.orgs.members(org=5)  # type: ignore[arg-type]
        del report, everyone, made, hooks


def webhooks(header: str | None, body: bytes) -> None:
    signed: str = sign("secret", body, timestamp=1)
    try:
        timestamp: int = verify_signature("secret", header, body, tolerance=300, now=1.0)
        event: WebhookEvent = read_event("secret", header, body)
        del timestamp, event
    except StaleSignatureError as error:
        when: int = error.timestamp
        del when
    except SignatureError:
        pass
    del signed


async def bulk(kanal: AsyncKanal, karla: AsyncKarla) -> None:
    def show(event: BulkProgress) -> None:
        settled: int = event.settled
        eta: float | None = event.eta
        del settled, eta

    report: BulkReport = await kanal.orders.push_many(
        "orders.jsonl", dead_letter="dead.jsonl", checkpoint="cp.json", on_progress=show
    )
    created: int = report.counts[BulkOutcome.CREATED]
    ok: bool = report.ok
    await kanal.customers.delete_many(["CUST-1"], concurrency=4)
    await kanal.checkouts.push_many([AS_MAPPING], format="jsonl", total=1)
    await karla.orders.push_many([KARLA_UPSERT])
    await karla.discounts.create_many("discounts.csv", max_pending=100)
    del created, ok


def blocking_bulk() -> None:
    with Kanal("key", 1) as kanal:
        report: BulkReport = kanal.shipments.push_many(iter([AS_MAPPING]))
        del report
    with Karla("shop", "key", "shop") as karla:
        made: BulkReport = karla.campaigns.create_many([AS_MAPPING])
        del made


def blocking_twins(since: datetime) -> None:
    """The derived twins take the async methods' parameters exactly: a wrong one is reported.

    Each ``type: ignore`` proves an error: strict mypy reports an ignore that is not needed.
    """
    with Kanal("key", 1, rate_window=30.0) as kanal:
        updated: OrderRecord = kanal.orders.update("ORDER-1001", OrderUpdate(tags=UNSET))
        kanal.customers.delete("CUST-42")
        report: BulkReport = kanal.customers.delete_many(["CUST-1"], concurrency=2)
        kanal.orders.update(1001, {"financial_status": "paid"})  # type: ignore[arg-type]
        kanal.orders.upsert(ORDER, created=True)  # type: ignore[call-arg]
        del updated, report
    Kanal("key", 1, rate_window="60")  # type: ignore[arg-type]
    with Karla("shop", "key", "shop", validate=False, unknown_fields="send") as karla:
        shop: Shop = karla.shops.get()
        renamed: Shop = karla.shops.update({"name": "Shop"}, slug="other-shop")
        settings: ShopSettings = karla.settings.update_trackpages({}, version=2)
        tracking: Tracking = karla.orders.update_shipment("o-1", "s-1", {"tracking_url": "u"})
        placed: Created[Any] = karla.orders.place({"order_number": "1"})
        pages: BlockingPages[KarlaOrder] = karla.orders.search(order_placed_from=since)
        karla.orders.update(42, {})  # type: ignore[arg-type]
        karla.orders.search(order_number=1001)  # type: ignore[arg-type]
        karla.settings.update_carriers(True)  # type: ignore[call-arg]
        karla.campaigns.search(segment="default").fetch(2)  # type: ignore[call-arg]
        del shop, renamed, settings, tracking, placed, pages
    Karla("shop", "key", "shop", unknown_fields="drop")  # type: ignore[arg-type]


def messaging(kanal: Kanal) -> None:
    """Kanal's messaging API, blocking: one key, no store; the same derived twins."""
    templates: list[Template] = kanal.templates.list()
    sent: Sent = kanal.templates.send(
        {"template_id": 1236, "phone_number": "+33612345678"}, idempotency_key="send-1"
    )
    triggered: Triggered = kanal.automations.trigger("wh-1", {"phone_number": "+33612345678"})
    report: BulkReport = kanal.templates.push_many("sends.jsonl", key_column="send_id")
    kanal.templates.send({"template_id": 1236}, check_variables="yes")  # type: ignore[arg-type]
    kanal.automations.trigger({"phone_number": "+33612345678"})  # type: ignore[call-arg,arg-type]
    del templates, sent, triggered, report
