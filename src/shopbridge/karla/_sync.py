"""`Karla`: the blocking twin of `AsyncKarla`, for scripts and notebooks.

::

    with Karla("my-shop", api_key, "my-shop") as karla:
        karla.orders.upsert(upsert)
        for order in karla.orders.search(per_page=100):  # one portal call per page
            ...

Each method is one call on the client's own event loop (an anyio blocking portal on a
background thread, started on ``with`` or on first use); see `shopbridge.core._blocking`. The
uuid-addressed collections' twins are in `shopbridge.karla._sync_collections`, re-exported here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack

from shopbridge.core._blocking import BlockingFacade
from shopbridge.core.bulk._push import with_total
from shopbridge.karla._client import DEFAULT_BASE_URL, AsyncKarla
from shopbridge.karla._pages import DEFAULT_PER_PAGE, BlockingPages, Pages, check_paging
from shopbridge.karla._sync_collections import (
    Announcements,
    Campaigns,
    Claims,
    Discounts,
    Webhooks,
    _Part,
)
from shopbridge.karla._table import KARLA_TABLE

if TYPE_CHECKING:
    import ssl
    from datetime import datetime

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.core.sansio._policy import RetryPolicy
    from shopbridge.core.sansio._table import DecisionTable
    from shopbridge.karla._images import ImageSource
    from shopbridge.karla._models import (
        Created,
        Order,
        OrderPlacement,
        OrderShipmentUpdate,
        OrderUpdate,
        OrderUpsert,
        ShipmentEvent,
        Tracking,
    )
    from shopbridge.karla._shop_models import (
        ImageType,
        ImageUpload,
        Shop,
        ShopCreate,
        ShopSettings,
        ShopUpdate,
    )

__all__ = [
    "Announcements",
    "Campaigns",
    "Claims",
    "Discounts",
    "Karla",
    "Orders",
    "Settings",
    "Shipments",
    "Shops",
    "Webhooks",
]

Body = Mapping[str, Any]
_T = TypeVar("_T")


class Karla(BlockingFacade[AsyncKarla]):
    """The blocking client of one Karla shop. Same arguments as `AsyncKarla`.

    Configuration errors raise here, in the caller's thread; the HTTP session is created
    later, inside the client's own event loop.
    """

    def __init__(
        self,
        username: str,
        api_key: str,
        shop_slug: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str | None = None,
        retry: RetryPolicy | None = None,
        table: DecisionTable = KARLA_TABLE,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
        trust_env: bool = False,
        allow_insecure_http: bool = False,
        validate: bool = True,
        unknown_fields: Literal["reject", "send"] = "reject",
    ) -> None:
        build = functools.partial(
            AsyncKarla,
            username,
            api_key,
            shop_slug,
            base_url=base_url,
            api_version=api_version,
            retry=retry,
            table=table,
            max_connections=max_connections,
            ssl_context=ssl_context,
            trust_env=trust_env,
            allow_insecure_http=allow_insecure_http,
            validate=validate,
            unknown_fields=unknown_fields,
        )
        client = build()  # configuration errors raise here, in the caller's thread
        # Each portal builds its own client (see Kanal): a forked child's portal needs its own.
        super().__init__(build)
        self.shop_slug = client.shop_slug
        self.base_url = client.base_url
        self.api_version = client.api_version
        self.retry = client.retry
        self.table = client.table
        self._shop_path = client.shop_path
        self.orders = Orders(self)
        self.shipments = Shipments(self)
        self.shops = Shops(self)
        self.settings = Settings(self)
        self.campaigns = Campaigns(self)
        self.discounts = Discounts(self)
        self.announcements = Announcements(self)
        self.webhooks = Webhooks(self)
        self.claims = Claims(self)

    def __repr__(self) -> str:
        return f"Karla(shop_slug={self.shop_slug!r}, base_url={self.base_url!r})"

    def _pages(
        self,
        search: Callable[[AsyncKarla, int, int], Pages[_T]],
        *,
        page: int,
        per_page: int,
        path: str,
    ) -> BlockingPages[_T]:
        check_paging(page, per_page, path=path)  # refused here, before the portal starts

        def fetch(number: int, size: int) -> list[_T]:
            return self._call(lambda client: search(client, number, size).fetch())

        return BlockingPages(fetch, page=page, per_page=per_page)


class Orders(_Part):
    """``/orders``: see `shopbridge.karla._resources.AsyncOrders`."""

    def search(
        self,
        *,
        email_id: str | None = None,
        external_id: str | None = None,
        order_name: str | None = None,
        order_number: str | None = None,
        uuid: str | None = None,
        zip_code: str | None = None,
        order_placed_from: datetime | None = None,
        order_placed_to: datetime | None = None,
        shipment_updated_since: datetime | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> BlockingPages[Order]:
        """Orders matching every filter given; iterate for all, one portal call per page."""
        return self._k._pages(
            lambda c, p, n: c.orders.search(
                email_id=email_id,
                external_id=external_id,
                order_name=order_name,
                order_number=order_number,
                uuid=uuid,
                zip_code=zip_code,
                order_placed_from=order_placed_from,
                order_placed_to=order_placed_to,
                shipment_updated_since=shipment_updated_since,
                page=p,
                per_page=n,
            ),
            page=page,
            per_page=per_page,
            path=f"{self._k._shop_path}/orders",
        )

    def place(self, order: OrderPlacement | Body) -> Created[Any]:
        """Create an order (``POST``); prefer `upsert`."""
        return self._k._call(lambda c: c.orders.place(order))

    def upsert(self, upsert: OrderUpsert | Body) -> Any:
        """Create or update an order and/or attach trackings (``PUT``)."""
        return self._k._call(lambda c: c.orders.upsert(upsert))

    def push_many(self, upserts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every order of a stream; see `AsyncOrders.push_many`."""
        return self._k._call_with_records(
            lambda c, records, size: c.orders.push_many(records, **with_total(options, size)),
            upserts,
        )

    def bulk_upsert(self, upserts: Sequence[OrderUpsert | Body]) -> Any:
        """`upsert` for many orders in one request."""
        return self._k._call(lambda c: c.orders.bulk_upsert(upserts))

    def update(self, order_id: str, changes: OrderUpdate | Body) -> Order:
        """Change an order's address or expected number of shipments."""
        return self._k._call(lambda c: c.orders.update(order_id, changes))

    def update_shipment(
        self, order_id: str, shipment_id: str, changes: OrderShipmentUpdate | Body
    ) -> Tracking:
        """Change a shipment's tracking URL or replace its products."""
        return self._k._call(lambda c: c.orders.update_shipment(order_id, shipment_id, changes))


class Shipments(_Part):
    """``/shipments``: see `shopbridge.karla._resources.AsyncShipments`."""

    def add_event(self, shipment_id: str, event: ShipmentEvent | Body) -> Any:
        """Push an event of your own onto a shipment (not resent after an ambiguous failure)."""
        return self._k._call(lambda c: c.shipments.add_event(shipment_id, event))


class Shops(_Part):
    """``/shops``: see `shopbridge.karla._resources.AsyncShops`."""

    def search(
        self,
        *,
        uuid: str | None = None,
        name: str | None = None,
        slug: str | None = None,
        shop_provider: str | None = None,
        language: str | None = None,
        organization: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> BlockingPages[Shop]:
        """The shops the key can see, matching every filter given."""
        return self._k._pages(
            lambda c, p, n: c.shops.search(
                uuid=uuid,
                name=name,
                slug=slug,
                shop_provider=shop_provider,
                language=language,
                organization=organization,
                page=p,
                per_page=n,
            ),
            page=page,
            per_page=per_page,
            path="/shops",
        )

    def create(self, shop: ShopCreate | Body) -> Created[Shop]:
        """Create a shop."""
        return self._k._call(lambda c: c.shops.create(shop))

    def get(self, slug: str | None = None) -> Shop:
        """A shop (by default the client's)."""
        return self._k._call(lambda c: c.shops.get(slug))

    def update(self, changes: ShopUpdate | Body, *, slug: str | None = None) -> Shop:
        """Change a shop (by default the client's)."""
        return self._k._call(lambda c: c.shops.update(changes, slug=slug))

    def delete(self, slug: str | None = None) -> None:
        """Delete a shop (by default the client's)."""
        self._k._call(lambda c: c.shops.delete(slug))

    def upload_image(
        self,
        image_type: ImageType,
        image: ImageSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        slug: str | None = None,
    ) -> ImageUpload:
        """Upload one of a shop's images; see `AsyncShops.upload_image`."""
        return self._k._call(
            lambda c: c.shops.upload_image(
                image_type, image, filename=filename, content_type=content_type, slug=slug
            )
        )

    def set_klaviyo_key(self, api_key: str) -> Any:
        """Store the shop's Klaviyo API key."""
        return self._k._call(lambda c: c.shops.set_klaviyo_key(api_key))

    def set_shopify_token(self, api_key: str) -> Any:
        """Store the shop's Shopify access token."""
        return self._k._call(lambda c: c.shops.set_shopify_token(api_key))

    def set_shopware_credentials(self, client_id: str, client_secret: str | None = None) -> Any:
        """Store the shop's Shopware API credentials."""
        return self._k._call(lambda c: c.shops.set_shopware_credentials(client_id, client_secret))


class Settings(_Part):
    """``/settings``: see `shopbridge.karla._resources.AsyncSettings`."""

    def get(self) -> ShopSettings:
        """The shop's settings."""
        return self._k._call(lambda c: c.settings.get())

    def set(self, settings: Body) -> ShopSettings:
        """Set the shop's settings, creating them if absent."""
        return self._k._call(lambda c: c.settings.set(settings))

    def update_carriers(self, *, shipment_updates: bool) -> Any:
        """Turn carrier shipment updates on or off."""
        return self._k._call(
            lambda c: c.settings.update_carriers(shipment_updates=shipment_updates)
        )

    def update_triggers(self, *, klaviyo: bool | None = None, shopify: bool | None = None) -> Any:
        """Turn the Klaviyo and Shopify triggers on or off."""
        return self._k._call(lambda c: c.settings.update_triggers(klaviyo=klaviyo, shopify=shopify))

    def update_segments(self, *, klaviyo: bool | None = None, shopify: bool | None = None) -> Any:
        """Turn segment syncing on or off."""
        return self._k._call(lambda c: c.settings.update_segments(klaviyo=klaviyo, shopify=shopify))

    def update_trackpages(self, data: Body, *, version: int = 1) -> ShopSettings:
        """Replace the tracking pages' settings."""
        return self._k._call(lambda c: c.settings.update_trackpages(data, version=version))
