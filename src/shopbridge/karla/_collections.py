"""The uuid-addressed collections of `AsyncKarla` (``specs/karla.md`` §2.6-2.10).

Campaigns, discounts, announcements, webhooks and claims: search, create, change, delete;
a campaign's images; and the webhooks Karla registers in the shop's Shopify (§2.11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from shopbridge.karla import _bulk as bulk
from shopbridge.karla import _images as images
from shopbridge.karla._endpoints import (
    ANNOUNCEMENT_UPDATE,
    ANNOUNCEMENTS,
    CAMPAIGN_IMAGE,
    CAMPAIGN_PRODUCT_IMAGE,
    CAMPAIGN_REPLACE,
    CAMPAIGNS,
    CLAIM_UPDATE,
    CLAIMS,
    DISCOUNT_UPDATE,
    DISCOUNTS,
    SHOPIFY_WEBHOOK_CREATE,
    SHOPIFY_WEBHOOK_DELETE,
    SHOPIFY_WEBHOOK_GET,
    SHOPIFY_WEBHOOK_LIST,
    WEBHOOK_UPDATE,
    WEBHOOKS,
)
from shopbridge.karla._pages import DEFAULT_PER_PAGE, Pages
from shopbridge.karla._resources import Body, Resource, created, search

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._endpoints import Collection
    from shopbridge.karla._images import ImageSource
    from shopbridge.karla._marketing_models import (
        Announcement,
        AnnouncementCreate,
        AnnouncementUpdate,
        Campaign,
        CampaignRequest,
        Discount,
        DiscountCreate,
        DiscountUpdate,
    )
    from shopbridge.karla._models import Created
    from shopbridge.karla._shop_models import (
        Claim,
        ClaimCreate,
        ClaimUpdate,
        ShopifyWebhook,
        ShopifyWebhookCreate,
        ShopifyWebhookType,
        Webhook,
        WebhookCreate,
        WebhookUpdate,
    )

__all__ = [
    "AsyncAnnouncements",
    "AsyncCampaigns",
    "AsyncClaims",
    "AsyncDiscounts",
    "AsyncShopifyWebhooks",
    "AsyncWebhooks",
]


class _Collection(Resource):
    """A shop-scoped collection addressed by uuid."""

    _endpoints: Collection[Any]

    async def delete(self, uuid: str) -> None:
        """Delete it. A DELETE retried after an ambiguous failure that meets 404 is done."""
        await self._api.call(self._endpoints.delete, uuid=uuid)

    async def _create_many(
        self,
        records: Records,
        options: PushOptions,
        create: Callable[[Any], Awaitable[Created[Any]]],
    ) -> BulkReport:
        handle = bulk.create_handler(create)
        name = self._endpoints.name
        return await bulk.push(self._api, records, handle, resource=name, options=options)


class AsyncCampaigns(_Collection):
    """``/campaigns``: search, create, replace (``PUT``), delete, and the images."""

    _endpoints = CAMPAIGNS

    def search(
        self,
        *,
        uuid: str | None = None,
        name: str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        segment: str | None = None,
        promotion_type: str | None = None,
        enabled: bool | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pages[Campaign]:
        """The shop's campaigns matching every filter given."""
        filters = {
            "uuid": uuid,
            "name": name,
            "start_date": start_date,
            "end_date": end_date,
            "segment": segment,
            "promotion_type": promotion_type,
            "enabled": enabled,
        }
        return search(self._api, self._endpoints.search, filters, page=page, per_page=per_page)

    async def create(self, campaign: CampaignRequest | Body) -> Created[Campaign]:
        """Create a campaign (``409 campaign_exists``/``campaign_active_segment_exists``)."""
        return created(await self._api.call(self._endpoints.create, campaign))

    async def create_many(self, campaigns: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Create every campaign of a stream, accounting for each one.

        A create is ``created``; a 409 on its first try is ``conflict`` (dead-lettered: it
        existed before); a create retried after an ambiguous failure that meets the 409 is
        ``already_existed`` (done: the lost attempt most likely created it).

        Args:
            campaigns: a JSONL or CSV path (``-``: stdin), an iterable or an async iterable.
            **options: see `PushOptions` (concurrency, dead_letter, checkpoint, on_progress...).
        """
        return await self._create_many(campaigns, options, self.create)

    async def replace(self, uuid: str, campaign: CampaignRequest | Body) -> Campaign:
        """Replace a campaign whole (``PUT``)."""
        return (await self._api.call(CAMPAIGN_REPLACE, campaign, uuid=uuid)).read()

    async def upload_image(
        self,
        uuid: str,
        image: ImageSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Campaign:
        """Upload a campaign's image; Karla answers the campaign, its ``image_url`` set.

        Not resent after an ambiguous failure. The arguments and errors are those of
        `AsyncShops.upload_image`; ``404 campaign_not_found`` for an unknown campaign.
        """
        body = await images.upload_body(
            image, filename=filename, content_type=content_type, errors={}
        )
        return (await self._api.call(CAMPAIGN_IMAGE, body, uuid=uuid)).read()

    async def upload_product_image(
        self,
        uuid: str,
        position: int,
        image: ImageSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Campaign:
        """Upload the image of a product campaign's product; Karla answers the campaign.

        Args:
            uuid: the campaign.
            position: the product's index in ``promotion_properties.products``, from 0.
            image: as for `AsyncShops.upload_image`.
            filename: as for `AsyncShops.upload_image`.
            content_type: as for `AsyncShops.upload_image`.

        Raises:
            ValidationError: `position` is not an ``int`` >= 0, or the image is refused (see
                `AsyncShops.upload_image`); nothing was sent.
            NotFoundError: ``404 campaign_product_not_found``: the campaign has no product
                at `position`.
        """
        errors: images.FieldErrors = {}
        index = images.check_position(position, errors)
        body = await images.upload_body(
            image, filename=filename, content_type=content_type, errors=errors
        )
        answer = await self._api.call(
            CAMPAIGN_PRODUCT_IMAGE, body, uuid=uuid, position="..." if index is None else index
        )
        return answer.read()


class AsyncDiscounts(_Collection):
    """``/discounts``: search, create, update, delete."""

    _endpoints = DISCOUNTS

    def search(
        self,
        *,
        uuid: str | None = None,
        code: str | None = None,
        title: str | None = None,
        type: str | None = None,
        value_type: str | None = None,
        target_type: str | None = None,
        target_selection: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pages[Discount]:
        """The shop's discounts matching every filter given."""
        filters = {
            "uuid": uuid,
            "code": code,
            "title": title,
            "type": type,
            "value_type": value_type,
            "target_type": target_type,
            "target_selection": target_selection,
        }
        return search(self._api, self._endpoints.search, filters, page=page, per_page=per_page)

    async def create(self, discount: DiscountCreate | Body) -> Created[Discount]:
        """Create a discount (``409 voucher_exists`` when its code is taken)."""
        return created(await self._api.call(self._endpoints.create, discount))

    async def create_many(self, discounts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Create every discount of a stream; see `AsyncCampaigns.create_many`."""
        return await self._create_many(discounts, options, self.create)

    async def update(self, uuid: str, changes: DiscountUpdate | Body) -> Discount:
        """Change a discount; only the fields given change."""
        return (await self._api.call(DISCOUNT_UPDATE, changes, uuid=uuid)).read()


class AsyncAnnouncements(_Collection):
    """``/announcements``: search, create, update, delete."""

    _endpoints = ANNOUNCEMENTS

    def search(
        self,
        *,
        uuid: str | None = None,
        text: str | None = None,
        language: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pages[Announcement]:
        """The shop's announcements matching every filter given."""
        filters = {"uuid": uuid, "text": text, "language": language}
        return search(self._api, self._endpoints.search, filters, page=page, per_page=per_page)

    async def create(self, announcement: AnnouncementCreate | Body) -> Created[Announcement]:
        """Create an announcement (``409 announcement_exists``)."""
        return created(await self._api.call(self._endpoints.create, announcement))

    async def create_many(
        self, announcements: Records, **options: Unpack[PushOptions]
    ) -> BulkReport:
        """Create every announcement of a stream; see `AsyncCampaigns.create_many`."""
        return await self._create_many(announcements, options, self.create)

    async def update(self, uuid: str, changes: AnnouncementUpdate | Body) -> Announcement:
        """Change an announcement's text or language."""
        return (await self._api.call(ANNOUNCEMENT_UPDATE, changes, uuid=uuid)).read()


class AsyncWebhooks(_Collection):
    """``/webhooks``: search, create, update, delete the shop's event subscriptions."""

    _endpoints = WEBHOOKS

    def search(
        self,
        *,
        uuid: str | None = None,
        status: str | None = None,
        url: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pages[Webhook]:
        """The shop's webhooks matching every filter given."""
        filters = {"uuid": uuid, "status": status, "url": url}
        return search(self._api, self._endpoints.search, filters, page=page, per_page=per_page)

    async def create(self, webhook: WebhookCreate | Body) -> Created[Webhook]:
        """Subscribe a URL; the answer's ``secret`` signs every delivery."""
        return created(await self._api.call(self._endpoints.create, webhook))

    async def update(self, uuid: str, changes: WebhookUpdate | Body) -> Webhook:
        """Change a webhook; only the fields given change."""
        return (await self._api.call(WEBHOOK_UPDATE, changes, uuid=uuid)).read()


class AsyncClaims(_Collection):
    """``/claims``: search, create, update (``PUT``), delete."""

    _endpoints = CLAIMS

    def search(
        self,
        *,
        order_id: str | None = None,
        shipment_id: str | None = None,
        resolution_preference: str | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pages[Claim]:
        """The shop's claims matching every filter given."""
        filters = {
            "order_id": order_id,
            "shipment_id": shipment_id,
            "resolution_preference": resolution_preference,
            "status": status,
        }
        return search(self._api, self._endpoints.search, filters, page=page, per_page=per_page)

    async def create(self, claim: ClaimCreate | Body) -> Created[Claim]:
        """Open a claim about a shipment."""
        return created(await self._api.call(self._endpoints.create, claim))

    async def update(self, uuid: str, changes: ClaimUpdate | Body) -> Claim:
        """Change a claim's resolution preference or status (``PUT``)."""
        return (await self._api.call(CLAIM_UPDATE, changes, uuid=uuid)).read()


class AsyncShopifyWebhooks(Resource):
    """``/shopify/webhooks``: the webhooks Karla registers in the shop's Shopify, by type."""

    def list(self, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Pages[ShopifyWebhook]:
        """The shop's Shopify webhook registrations."""
        return search(self._api, SHOPIFY_WEBHOOK_LIST, {}, page=page, per_page=per_page)

    async def create(
        self, webhook: ShopifyWebhookType | ShopifyWebhookCreate | Body
    ) -> Created[ShopifyWebhook]:
        """Have Karla register a webhook in Shopify, if none of its type exists.

        Args:
            webhook: its ``webhook_type`` (one of `SHOPIFY_WEBHOOK_TYPES`), or the body.

        Raises:
            ConflictError: ``409``: one of this type exists already (on the first attempt;
                after an ambiguous failure it is `Created.already_existed`).
            ValidationError: a type Karla does not know; nothing was sent.
        """
        body = {"webhook_type": webhook} if isinstance(webhook, str) else webhook
        return created(await self._api.call(SHOPIFY_WEBHOOK_CREATE, body))

    async def get(self, uuid: str) -> ShopifyWebhook:
        """One registration (``404 webhook_not_found`` when there is none)."""
        return (await self._api.call(SHOPIFY_WEBHOOK_GET, uuid=uuid)).read()

    async def delete(self, uuid: str) -> None:
        """Remove a registration; a DELETE retried into 404 after an ambiguous failure is done."""
        await self._api.call(SHOPIFY_WEBHOOK_DELETE, uuid=uuid)
