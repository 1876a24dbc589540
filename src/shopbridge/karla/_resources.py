"""The resources of `AsyncKarla`: orders, shipments, shops and settings (spec §2.2-2.5).

The uuid-addressed collections are in `shopbridge.karla._collections`.

Each method builds the path, hands the body to the client's validation and sends it; the
client decides how a request may be retried from its method (``POST`` is the one Karla does not
deduplicate) and whether it is a create.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Unpack

from shopbridge.karla import _bulk as bulk
from shopbridge.karla import _images as images
from shopbridge.karla import _validation as rules
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
from shopbridge.karla._pages import DEFAULT_PER_PAGE, Pages
from shopbridge.karla._shop_models import (
    ImageType,
    ImageUpload,
    Shop,
    ShopCreate,
    ShopSettings,
    ShopUpdate,
)

if TYPE_CHECKING:
    from datetime import datetime

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._client import AsyncKarla
    from shopbridge.karla._images import ImageSource

__all__ = ["AsyncOrders", "AsyncSettings", "AsyncShipments", "AsyncShops", "Body"]

Body = Mapping[str, Any]


class _Resource:
    def __init__(self, client: AsyncKarla) -> None:
        self._client = client


class AsyncOrders(_Resource):
    """``/orders``: search, place (create), upsert (``PUT``), bulk upsert, update, shipments."""

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
    ) -> Pages[Order]:
        """Orders matching every filter given; await for one page, ``async for`` for all."""
        filters = {
            "email_id": email_id,
            "external_id": external_id,
            "order_name": order_name,
            "order_number": order_number,
            "uuid": uuid,
            "zip_code": zip_code,
            "order_placed_from": order_placed_from,
            "order_placed_to": order_placed_to,
            "shipment_updated_since": shipment_updated_since,
        }
        path = self._client._path("orders")
        return self._client._search(path, Order, filters, page=page, per_page=per_page)

    async def place(self, order: OrderPlacement | Body) -> Created[Any]:
        """Create an order (``POST``). Prefer `upsert`, which never meets ``order_exists``.

        Raises:
            ConflictError: ``409 order_exists`` on the first attempt.
            ValidationError: the order breaks Karla's shapes; nothing was sent.
        """
        return await self._client._create(
            self._client._path("orders"), rules.ORDER_PLACEMENT, order, object
        )

    async def upsert(self, upsert: OrderUpsert | Body) -> Any:
        """Create or update an order and/or attach trackings (``PUT``, retried freely).

        Returns:
            Karla's answer (an untyped object in its spec), unwrapped.

        Raises:
            NotFoundError: ``order_not_found``: no ``order`` was given and none exists.
        """
        return await self._client._json(
            "PUT", self._client._path("orders"), rules.ORDER_UPSERT, upsert
        )

    async def push_many(self, upserts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every order of a stream (``PUT /orders`` each), accounting for each one.

        Args:
            upserts: a JSONL or CSV path (``-``: stdin), an iterable or an async iterable of
                upserts (`OrderUpsert` or mappings).
            **options: see `PushOptions` (concurrency, dead_letter, checkpoint, on_progress...).

        Returns:
            The report: one outcome per record (``upserted`` when done: Karla does not say
            whether it created or updated), counts that add up to the input.
        """
        client = self._client
        handle = bulk.upsert_handler(
            partial(client._json_reply, "PUT", client._path("orders"), rules.ORDER_UPSERT)
        )
        return await bulk.push(client, upserts, handle, resource="orders", options=options)

    async def bulk_upsert(self, upserts: Sequence[OrderUpsert | Body]) -> Any:
        """`upsert` for many orders in one request (``PUT /orders/bulk``).

        Field errors are keyed by the item's index first (``3.order.address.zip_code``).
        """
        return await self._client._json(
            "PUT",
            self._client._path("orders", "bulk"),
            rules.ORDER_UPSERT,
            list(upserts),
            many=True,
        )

    async def update(self, order_id: str, changes: OrderUpdate | Body) -> Order:
        """Change an order's address or expected number of shipments (``order_id``: its uuid)."""
        client = self._client
        path = client._path("orders", client._id(order_id, "order_id", method="PATCH"))
        return await client._call("PATCH", path, Order, schema=rules.ORDER_UPDATE, record=changes)

    async def update_shipment(
        self, order_id: str, shipment_id: str, changes: OrderShipmentUpdate | Body
    ) -> Tracking:
        """Change a shipment's tracking URL or replace its products."""
        client = self._client
        path = client._path(
            "orders",
            client._id(order_id, "order_id", method="PATCH"),
            "shipments",
            client._id(shipment_id, "shipment_id", method="PATCH"),
        )
        return await client._call(
            "PATCH", path, Tracking, schema=rules.ORDER_SHIPMENT_UPDATE, record=changes
        )


class AsyncShipments(_Resource):
    """``/shipments``: custom tracking events."""

    async def add_event(self, shipment_id: str, event: ShipmentEvent | Body) -> Any:
        """Push an event of your own onto a shipment.

        Not deduplicated by Karla: after an ambiguous failure (timeout, disconnect, 500/502/504)
        it is not resent, and the error says so; look before sending it again.
        """
        client = self._client
        sid = client._id(shipment_id, "shipment_id", method="POST")
        return await client._json(
            "POST", client._path("shipments", sid, "events"), rules.SHIPMENT_EVENT, event
        )


class AsyncShops(_Resource):
    """``/shops``: search, create, get, update, delete, images and the integration keys."""

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
    ) -> Pages[Shop]:
        """The shops the key can see."""
        filters = {
            "uuid": uuid,
            "name": name,
            "slug": slug,
            "shop_provider": shop_provider,
            "language": language,
            "organization": organization,
        }
        return self._client._search("/shops", Shop, filters, page=page, per_page=per_page)

    async def create(self, shop: ShopCreate | Body) -> Created[Shop]:
        """Create a shop (``409 shop_exists`` when its slug is taken)."""
        return await self._client._create("/shops", rules.SHOP_CREATE, shop, Shop)

    async def get(self, slug: str | None = None) -> Shop:
        """A shop (by default the client's): Karla's "hello world" call."""
        return await self._client._call("GET", self._client._path(shop=slug), Shop)

    async def update(self, changes: ShopUpdate | Body, *, slug: str | None = None) -> Shop:
        """Change a shop (by default the client's); only the fields given change."""
        path = self._client._path(shop=slug)
        return await self._client._call(
            "PATCH", path, Shop, schema=rules.SHOP_UPDATE, record=changes
        )

    async def delete(self, slug: str | None = None) -> None:
        """Delete a shop (by default the client's)."""
        await self._client._delete(self._client._path(shop=slug))

    async def upload_image(
        self,
        image_type: ImageType,
        image: ImageSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        slug: str | None = None,
    ) -> ImageUpload:
        """Upload one of a shop's images (by default the client's shop); ``multipart/form-data``.

        A ``POST`` Karla does not deduplicate: after an ambiguous failure it is not resent.

        Args:
            image_type: which image: one of `IMAGE_TYPES` (``logo``, ``background``...).
            image: the image's bytes, or the path of a file (read, and named after it).
            filename: the name Karla sees; by default the path's, or ``image.<extension>``.
            content_type: its media type (``image/*``); by default guessed from the name, then
                from the first bytes.
            slug: the shop; by default the client's.

        Returns:
            Where Karla serves the image from (`ImageUpload.url`).

        Raises:
            ValidationError: an unknown image type, an empty or unreadable image, or a media
                type that is not ``image/*``; nothing was sent.
            PayloadRejectedError: ``415 image_media_unsupported``: Karla cannot read the file
                as an image.
        """
        errors: images.FieldErrors = {}
        kind = images.check_image_type(image_type, errors)
        path = self._client._path("images", kind or "...", shop=slug)
        return await self._client._upload(
            path, ImageUpload, image, filename=filename, content_type=content_type, errors=errors
        )

    async def set_klaviyo_key(self, api_key: str) -> Any:
        """Store the shop's Klaviyo API key (``PUT /keys/klaviyo``)."""
        return await self._client._json(
            "PUT", self._client._path("keys", "klaviyo"), rules.API_KEY, {"api_key": api_key}
        )

    async def set_shopify_token(self, api_key: str) -> Any:
        """Store the shop's Shopify access token (``PUT /keys/shopify``)."""
        return await self._client._json(
            "PUT", self._client._path("keys", "shopify"), rules.API_KEY, {"api_key": api_key}
        )

    async def set_shopware_credentials(
        self, client_id: str, client_secret: str | None = None
    ) -> Any:
        """Store the shop's Shopware API credentials (``PUT /keys/shopware``)."""
        body: dict[str, Any] = {"client_id": client_id}
        if client_secret is not None:
            body["client_secret"] = client_secret
        return await self._client._json(
            "PUT", self._client._path("keys", "shopware"), rules.SHOPWARE_CREDENTIALS, body
        )


class AsyncSettings(_Resource):
    """``/settings``: the shop's settings and their parts."""

    async def get(self) -> ShopSettings:
        """The shop's settings (``404 shop_settings_not_found`` before they are set)."""
        return await self._client._call("GET", self._client._path("settings"), ShopSettings)

    async def set(self, settings: Body) -> ShopSettings:
        """Set the shop's settings, creating them if absent.

        A ``POST`` that is not a create: not resent after an ambiguous failure.
        """
        return await self._client._call(
            "POST",
            self._client._path("settings"),
            ShopSettings,
            schema=rules.SETTINGS,
            record=settings,
        )

    async def update_carriers(self, *, shipment_updates: bool) -> Any:
        """Turn carrier shipment updates on or off (``PUT /settings/carriers``)."""
        return await self._part(
            "carriers", rules.CARRIER_SETTINGS, shipment_updates=shipment_updates
        )

    async def update_triggers(
        self, *, klaviyo: bool | None = None, shopify: bool | None = None
    ) -> Any:
        """Turn the Klaviyo and Shopify triggers on or off (``PUT /settings/triggers``)."""
        return await self._part(
            "triggers", rules.TRIGGER_SETTINGS, klaviyo=klaviyo, shopify=shopify
        )

    async def update_segments(
        self, *, klaviyo: bool | None = None, shopify: bool | None = None
    ) -> Any:
        """Turn segment syncing on or off (``PUT /settings/segments``)."""
        return await self._part(
            "segments", rules.SEGMENT_SETTINGS, klaviyo=klaviyo, shopify=shopify
        )

    async def update_trackpages(self, data: Body, *, version: int = 1) -> ShopSettings:
        """Replace the tracking pages' settings (``PUT /settings/trackpages``)."""
        return await self._client._call(
            "PUT",
            self._client._path("settings", "trackpages"),
            ShopSettings,
            schema=rules.TRACKPAGES,
            record={"version": version, "data": data},
        )

    async def _part(self, part: str, schema: rules.Schema, **values: bool | None) -> Any:
        # Spec Q5: the reference does not show these updates' method; PUT, like trackpages.
        body = {name: value for name, value in values.items() if value is not None}
        return await self._client._json("PUT", self._client._path("settings", part), schema, body)
