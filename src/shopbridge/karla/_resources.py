"""The resources of `AsyncKarla`: orders, shipments, shops, settings, orgs (spec §2.2-2.5, §2.11).

The uuid-addressed collections are in `shopbridge.karla._collections`, the product catalogue in
`shopbridge.karla._catalogue`.

Each method is one call of an endpoint described in `shopbridge.karla._endpoints`, through the
client's `Api` protocol: the client fills the path, validates the body and decides from the
endpoint how a request may be retried. A search gives `Pages` (one call per page read);
``push_many`` pushes a whole stream through the bulk runner (`shopbridge.karla._bulk`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from shopbridge.core.sansio._verdict import Action
from shopbridge.karla import _bulk as bulk
from shopbridge.karla import _images as images
from shopbridge.karla._endpoints import (
    KLAVIYO_KEY,
    ORDER_BULK_UPSERT,
    ORDER_PLACE,
    ORDER_SEARCH,
    ORDER_SHIPMENT_UPDATE,
    ORDER_UPDATE,
    ORDER_UPSERT,
    ORG_MEMBERS,
    SETTINGS_CARRIERS,
    SETTINGS_GET,
    SETTINGS_SEGMENTS,
    SETTINGS_SET,
    SETTINGS_TRACKPAGES,
    SETTINGS_TRIGGERS,
    SHIPMENT_EVENT,
    SHOP_CREATE,
    SHOP_DELETE,
    SHOP_GET,
    SHOP_IMAGE,
    SHOP_SEARCH,
    SHOP_UPDATE,
    SHOPIFY_TOKEN,
    SHOPWARE_CREDENTIALS,
)
from shopbridge.karla._models import Created
from shopbridge.karla._pages import DEFAULT_PER_PAGE, Pages, check_paging

if TYPE_CHECKING:
    from datetime import datetime

    from shopbridge.core._endpoint import Answer, Api, Endpoint
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._images import ImageSource
    from shopbridge.karla._models import (
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
        OrgMember,
        Shop,
        ShopCreate,
        ShopSettings,
        ShopUpdate,
    )

__all__ = [
    "AsyncOrders",
    "AsyncOrgs",
    "AsyncSettings",
    "AsyncShipments",
    "AsyncShops",
    "Body",
    "Resource",
    "created",
    "search",
]

Body = Mapping[str, Any]
_T = TypeVar("_T")


class Resource:
    """A part of `AsyncKarla`, calling its endpoints through the client's `Api`."""

    def __init__(self, api: Api) -> None:
        self._api = api


def created(answer: Answer[_T]) -> Created[_T]:
    """A create's result: its record, or "already existed" (a retried create that met 409)."""
    if answer.verdict.action is Action.ALREADY_EXISTED:
        return Created(
            record=None,
            already_existed=True,
            verdict=answer.verdict,
            attempts=answer.attempts,
            response=answer.reply.response(),
        )
    return Created(
        record=answer.read(),
        already_existed=False,
        verdict=answer.verdict,
        attempts=answer.attempts,
        response=answer.reply.response(),
    )


def search(
    api: Api,
    endpoint: Endpoint[list[_T]],
    filters: Mapping[str, object],
    *,
    page: int,
    per_page: int,
    **params: object,
) -> Pages[_T]:
    """The pages of a search: one call of `endpoint` per page read, the filters in its query.

    Raises:
        ValidationError: a page or page size Karla would refuse; nothing was sent.
    """
    check_paging(page, per_page, path=endpoint.path)

    async def fetch(number: int, size: int) -> list[_T]:
        query = {**filters, "page": number, "per_page": size}
        # `params` are the endpoint's path parameters by name (``shop``...), never `query` or
        # `idempotency_key`, which mypy cannot know of a dict's keys.
        answer = await api.call(endpoint, query=query, **params)  # type: ignore[arg-type]
        return answer.read()

    return Pages(fetch, page=page, per_page=per_page)


class AsyncOrders(Resource):
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
        return search(self._api, ORDER_SEARCH, filters, page=page, per_page=per_page)

    async def place(self, order: OrderPlacement | Body) -> Created[Any]:
        """Create an order (``POST``). Prefer `upsert`, which never meets ``order_exists``.

        Raises:
            ConflictError: ``409 order_exists`` on the first attempt.
            ValidationError: the order breaks Karla's shapes; nothing was sent.
        """
        return created(await self._api.call(ORDER_PLACE, order))

    async def upsert(self, upsert: OrderUpsert | Body) -> Any:
        """Create or update an order and/or attach trackings (``PUT``, retried freely).

        Returns:
            Karla's answer (an untyped object in its spec), unwrapped.

        Raises:
            NotFoundError: ``order_not_found``: no ``order`` was given and none exists.
        """
        return (await self._api.call(ORDER_UPSERT, upsert)).read()

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
        handle = bulk.upsert_handler(lambda upsert: self._api.call(ORDER_UPSERT, upsert))
        return await bulk.push(self._api, upserts, handle, resource="orders", options=options)

    async def bulk_upsert(self, upserts: Sequence[OrderUpsert | Body]) -> Any:
        """`upsert` for many orders in one request (``PUT /orders/bulk``).

        Field errors are keyed by the item's index first (``3.order.address.zip_code``).
        """
        return (await self._api.call(ORDER_BULK_UPSERT, list(upserts))).read()

    async def update(self, order_id: str, changes: OrderUpdate | Body) -> Order:
        """Change an order's address or expected number of shipments (``order_id``: its uuid)."""
        return (await self._api.call(ORDER_UPDATE, changes, order_id=order_id)).read()

    async def update_shipment(
        self, order_id: str, shipment_id: str, changes: OrderShipmentUpdate | Body
    ) -> Tracking:
        """Change a shipment's tracking URL or replace its products."""
        answer = await self._api.call(
            ORDER_SHIPMENT_UPDATE, changes, order_id=order_id, shipment_id=shipment_id
        )
        return answer.read()


class AsyncShipments(Resource):
    """``/shipments``: custom tracking events."""

    async def add_event(self, shipment_id: str, event: ShipmentEvent | Body) -> Any:
        """Push an event of your own onto a shipment.

        Not deduplicated by Karla: after an ambiguous failure (timeout, disconnect, 500/502/504)
        it is not resent, and the error says so; look before sending it again.
        """
        return (await self._api.call(SHIPMENT_EVENT, event, shipment_id=shipment_id)).read()


class AsyncShops(Resource):
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
        return search(self._api, SHOP_SEARCH, filters, page=page, per_page=per_page)

    async def create(self, shop: ShopCreate | Body) -> Created[Shop]:
        """Create a shop (``409 shop_exists`` when its slug is taken)."""
        return created(await self._api.call(SHOP_CREATE, shop))

    async def get(self, slug: str | None = None) -> Shop:
        """A shop (by default the client's): Karla's "hello world" call."""
        return (await self._api.call(SHOP_GET, shop=slug)).read()

    async def update(self, changes: ShopUpdate | Body, *, slug: str | None = None) -> Shop:
        """Change a shop (by default the client's); only the fields given change."""
        return (await self._api.call(SHOP_UPDATE, changes, shop=slug)).read()

    async def delete(self, slug: str | None = None) -> None:
        """Delete a shop (by default the client's)."""
        await self._api.call(SHOP_DELETE, shop=slug)

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
        body = await images.upload_body(
            image, filename=filename, content_type=content_type, errors=errors
        )
        answer = await self._api.call(SHOP_IMAGE, body, image_type=kind or "...", shop=slug)
        return answer.read()

    async def set_klaviyo_key(self, api_key: str) -> Any:
        """Store the shop's Klaviyo API key (``PUT /keys/klaviyo``)."""
        return (await self._api.call(KLAVIYO_KEY, {"api_key": api_key})).read()

    async def set_shopify_token(self, api_key: str) -> Any:
        """Store the shop's Shopify access token (``PUT /keys/shopify``)."""
        return (await self._api.call(SHOPIFY_TOKEN, {"api_key": api_key})).read()

    async def set_shopware_credentials(
        self, client_id: str, client_secret: str | None = None
    ) -> Any:
        """Store the shop's Shopware API credentials (``PUT /keys/shopware``)."""
        body: dict[str, Any] = {"client_id": client_id}
        if client_secret is not None:
            body["client_secret"] = client_secret
        return (await self._api.call(SHOPWARE_CREDENTIALS, body)).read()


class AsyncSettings(Resource):
    """``/settings``: the shop's settings and their parts."""

    async def get(self) -> ShopSettings:
        """The shop's settings (``404 shop_settings_not_found`` before they are set)."""
        return (await self._api.call(SETTINGS_GET)).read()

    async def set(self, settings: Body) -> ShopSettings:
        """Set the shop's settings, creating them if absent.

        A ``POST`` that is not a create: not resent after an ambiguous failure.
        """
        return (await self._api.call(SETTINGS_SET, settings)).read()

    async def update_carriers(self, *, shipment_updates: bool) -> Any:
        """Turn carrier shipment updates on or off (``PUT /settings/carriers``)."""
        return await self._part(SETTINGS_CARRIERS, shipment_updates=shipment_updates)

    async def update_triggers(
        self, *, klaviyo: bool | None = None, shopify: bool | None = None
    ) -> Any:
        """Turn the Klaviyo and Shopify triggers on or off (``PUT /settings/triggers``)."""
        return await self._part(SETTINGS_TRIGGERS, klaviyo=klaviyo, shopify=shopify)

    async def update_segments(
        self, *, klaviyo: bool | None = None, shopify: bool | None = None
    ) -> Any:
        """Turn segment syncing on or off (``PUT /settings/segments``)."""
        return await self._part(SETTINGS_SEGMENTS, klaviyo=klaviyo, shopify=shopify)

    async def update_trackpages(self, data: Body, *, version: int = 1) -> ShopSettings:
        """Replace the tracking pages' settings (``PUT /settings/trackpages``)."""
        body = {"version": version, "data": data}
        return (await self._api.call(SETTINGS_TRACKPAGES, body)).read()

    async def _part(self, endpoint: Endpoint[object], **values: bool | None) -> Any:
        body = {name: value for name, value in values.items() if value is not None}
        return (await self._api.call(endpoint, body)).read()


class AsyncOrgs(Resource):
    """``/orgs``: the members of an organisation."""

    def members(
        self,
        org: str,
        *,
        email_id: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pages[OrgMember]:
        """The members of the organisation `org` (its slug), or the one with this e-mail."""
        filters = {"email_id": email_id}
        return search(self._api, ORG_MEMBERS, filters, page=page, per_page=per_page, org=org)
