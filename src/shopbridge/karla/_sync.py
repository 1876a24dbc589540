"""`Karla`: the blocking twin of `AsyncKarla`, for scripts and notebooks.

::

    with Karla(username="my-shop", api_key=api_key, shop_slug="my-shop") as karla:
        karla.orders.upsert(upsert)
        for order in karla.orders.search(per_page=100):  # one portal call per page
            ...

Each method is derived from its async twin (`shopbridge.core._twins.blocking`): one call on
the client's own event loop, with the async method's signature and docstring. A search's twin
(`blocking_pages`) gives `BlockingPages`, which reads each page with one call on that loop.
"""

from __future__ import annotations

import functools
import inspect
import operator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, Unpack

from shopbridge.core._blocking import BlockingFacade
from shopbridge.core._twins import BlockingResource, Twin, blocking, blocking_feed
from shopbridge.karla._catalogue import AsyncProducts
from shopbridge.karla._client import AsyncKarla, KarlaOptions, settings
from shopbridge.karla._collections import (
    AsyncAnnouncements,
    AsyncCampaigns,
    AsyncClaims,
    AsyncDiscounts,
    AsyncShopifyWebhooks,
    AsyncWebhooks,
)
from shopbridge.karla._pages import BlockingPages, Pages
from shopbridge.karla._resources import (
    AsyncOrders,
    AsyncOrgs,
    AsyncSettings,
    AsyncShipments,
    AsyncShops,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "Announcements",
    "Campaigns",
    "Claims",
    "Discounts",
    "Karla",
    "Orders",
    "Orgs",
    "Products",
    "Settings",
    "Shipments",
    "ShopifyWebhooks",
    "Shops",
    "Webhooks",
    "blocking_pages",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _run_pages(
    resource: BlockingResource,
    search: Callable[..., Pages[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> BlockingPages[Any]:
    facade = resource._facade
    target = operator.attrgetter(resource._name)
    _, client = facade._started()
    # A search only builds its pages (checking the paging, sending nothing), so it may run in
    # the caller's thread: a page Karla would refuse is refused here, before any call.
    first = search(target(client), *args, **kwargs)

    def fetch(number: int, size: int) -> list[Any]:
        paged = {**kwargs, "page": number, "per_page": size}
        # The client is looked up for each page: a forked child's portal holds its own.
        return facade._call(lambda client: search(target(client), *args, **paged).fetch())

    return BlockingPages(fetch, page=first.page, per_page=first.per_page)


def blocking_pages(
    search: Callable[Concatenate[Any, _P], Pages[_T]],
) -> Twin[_P, BlockingPages[_T]]:
    """The blocking twin of a search: its `BlockingPages`, one call on the event loop per page."""
    shown = str(inspect.signature(search).return_annotation)
    return Twin(
        search,
        _run_pages,
        returns=shown.replace("Pages[", "BlockingPages[", 1),
        note="Iterate the pages for every item (one call on the client's event loop per page), "
        "or call ``fetch()`` for the first page only.",
    )


class Orders(BlockingResource):
    """``/orders``: see `AsyncOrders`."""

    twin_of = AsyncOrders
    search = blocking_pages(AsyncOrders.search)
    place = blocking(AsyncOrders.place)
    upsert = blocking(AsyncOrders.upsert)
    push_many = blocking_feed(AsyncOrders.push_many)
    bulk_upsert = blocking(AsyncOrders.bulk_upsert)
    update = blocking(AsyncOrders.update)
    update_shipment = blocking(AsyncOrders.update_shipment)


class Shipments(BlockingResource):
    """``/shipments``: see `AsyncShipments`."""

    twin_of = AsyncShipments
    add_event = blocking(AsyncShipments.add_event)


class Shops(BlockingResource):
    """``/shops``: see `AsyncShops`."""

    twin_of = AsyncShops
    search = blocking_pages(AsyncShops.search)
    create = blocking(AsyncShops.create)
    get = blocking(AsyncShops.get)
    update = blocking(AsyncShops.update)
    delete = blocking(AsyncShops.delete)
    upload_image = blocking(AsyncShops.upload_image)
    set_klaviyo_key = blocking(AsyncShops.set_klaviyo_key)
    set_shopify_token = blocking(AsyncShops.set_shopify_token)
    set_shopware_credentials = blocking(AsyncShops.set_shopware_credentials)


class Settings(BlockingResource):
    """``/settings``: see `AsyncSettings`."""

    twin_of = AsyncSettings
    get = blocking(AsyncSettings.get)
    set = blocking(AsyncSettings.set)
    update_carriers = blocking(AsyncSettings.update_carriers)
    update_triggers = blocking(AsyncSettings.update_triggers)
    update_segments = blocking(AsyncSettings.update_segments)
    update_trackpages = blocking(AsyncSettings.update_trackpages)


class Campaigns(BlockingResource):
    """``/campaigns``: see `AsyncCampaigns`."""

    twin_of = AsyncCampaigns
    search = blocking_pages(AsyncCampaigns.search)
    create = blocking(AsyncCampaigns.create)
    create_many = blocking_feed(AsyncCampaigns.create_many)
    replace = blocking(AsyncCampaigns.replace)
    delete = blocking(AsyncCampaigns.delete)
    upload_image = blocking(AsyncCampaigns.upload_image)
    upload_product_image = blocking(AsyncCampaigns.upload_product_image)


class Discounts(BlockingResource):
    """``/discounts``: see `AsyncDiscounts`."""

    twin_of = AsyncDiscounts
    search = blocking_pages(AsyncDiscounts.search)
    create = blocking(AsyncDiscounts.create)
    create_many = blocking_feed(AsyncDiscounts.create_many)
    update = blocking(AsyncDiscounts.update)
    delete = blocking(AsyncDiscounts.delete)


class Announcements(BlockingResource):
    """``/announcements``: see `AsyncAnnouncements`."""

    twin_of = AsyncAnnouncements
    search = blocking_pages(AsyncAnnouncements.search)
    create = blocking(AsyncAnnouncements.create)
    create_many = blocking_feed(AsyncAnnouncements.create_many)
    update = blocking(AsyncAnnouncements.update)
    delete = blocking(AsyncAnnouncements.delete)


class Webhooks(BlockingResource):
    """``/webhooks``: see `AsyncWebhooks`."""

    twin_of = AsyncWebhooks
    search = blocking_pages(AsyncWebhooks.search)
    create = blocking(AsyncWebhooks.create)
    update = blocking(AsyncWebhooks.update)
    delete = blocking(AsyncWebhooks.delete)


class Claims(BlockingResource):
    """``/claims``: see `AsyncClaims`."""

    twin_of = AsyncClaims
    search = blocking_pages(AsyncClaims.search)
    create = blocking(AsyncClaims.create)
    update = blocking(AsyncClaims.update)
    delete = blocking(AsyncClaims.delete)


class Products(BlockingResource):
    """``/products``: see `AsyncProducts`."""

    twin_of = AsyncProducts
    upsert_many = blocking(AsyncProducts.upsert_many)
    upsert_variant = blocking(AsyncProducts.upsert_variant)
    delete = blocking(AsyncProducts.delete)
    push_many = blocking_feed(AsyncProducts.push_many)


class Orgs(BlockingResource):
    """``/orgs``: see `AsyncOrgs`."""

    twin_of = AsyncOrgs
    members = blocking_pages(AsyncOrgs.members)


class ShopifyWebhooks(BlockingResource):
    """``/shopify/webhooks``: see `AsyncShopifyWebhooks`."""

    twin_of = AsyncShopifyWebhooks
    list = blocking_pages(AsyncShopifyWebhooks.list)
    create = blocking(AsyncShopifyWebhooks.create)
    get = blocking(AsyncShopifyWebhooks.get)
    delete = blocking(AsyncShopifyWebhooks.delete)


class Karla(BlockingFacade[AsyncKarla]):
    """The blocking client of one Karla shop: the same arguments as `AsyncKarla`.

    Configuration errors raise here, in the caller's thread; the HTTP session is created
    later, inside the client's own event loop.

    Pass the three strings by name (``Karla(username=..., api_key=..., shop_slug=...)``); the
    positional order works too, and a key equal to the username or the slug is refused.

    Args:
        username: the API key's username; ``None``: the shop slug (Karla's default).
        api_key: the API key, sent with the username as HTTP Basic credentials; ``None``: read
            from ``KARLA_API_KEY``.
        shop_slug: the shop every shop-scoped path is under.
        **options: see `KarlaOptions`.
    """

    def __init__(
        self,
        username: str | None = None,
        api_key: str | None = None,
        shop_slug: str | None = None,
        **options: Unpack[KarlaOptions],
    ) -> None:
        config = settings(username, api_key, shop_slug, options)  # configuration errors raise here
        # Each portal builds its own client: one from another portal would hold that portal's
        # session and asyncio primitives, which a forked child's new portal cannot use. It gets
        # the checked credentials: the environment is read once, here.
        super().__init__(
            functools.partial(
                AsyncKarla,
                username=config.username,
                api_key=config.api_key,
                shop_slug=config.shop_slug,
                **options,
            )
        )
        self.shop_slug = config.shop_slug
        self.base_url = config.base_url
        self.api_version = config.api_version
        self.retry = config.retry
        self.table = config.table
        self.orders = Orders(self, "orders")
        self.shipments = Shipments(self, "shipments")
        self.shops = Shops(self, "shops")
        self.settings = Settings(self, "settings")
        self.campaigns = Campaigns(self, "campaigns")
        self.discounts = Discounts(self, "discounts")
        self.announcements = Announcements(self, "announcements")
        self.webhooks = Webhooks(self, "webhooks")
        self.claims = Claims(self, "claims")
        self.products = Products(self, "products")
        self.orgs = Orgs(self, "orgs")
        self.shopify_webhooks = ShopifyWebhooks(self, "shopify_webhooks")

    def __repr__(self) -> str:
        return f"Karla(shop_slug={self.shop_slug!r}, base_url={self.base_url!r})"
