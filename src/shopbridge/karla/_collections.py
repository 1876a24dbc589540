"""The uuid-addressed collections of `AsyncKarla` (``specs/karla.md`` §2.6-2.10).

Campaigns, discounts, announcements, webhooks and claims: search, create, change, delete;
and a campaign's images.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from shopbridge.karla import _bulk as bulk
from shopbridge.karla import _images as images
from shopbridge.karla import _validation as rules
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
from shopbridge.karla._pages import DEFAULT_PER_PAGE, Pages
from shopbridge.karla._resources import Body, _Resource
from shopbridge.karla._shop_models import (
    Claim,
    ClaimCreate,
    ClaimUpdate,
    Webhook,
    WebhookCreate,
    WebhookUpdate,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._images import ImageSource
    from shopbridge.karla._models import Created

__all__ = [
    "AsyncAnnouncements",
    "AsyncCampaigns",
    "AsyncClaims",
    "AsyncDiscounts",
    "AsyncWebhooks",
]


class _Collection(_Resource):
    """A shop-scoped collection addressed by uuid."""

    _name: str

    async def delete(self, uuid: str) -> None:
        """Delete it. A DELETE retried after an ambiguous failure that meets 404 is done."""
        path = self._client._path(self._name, self._client._id(uuid, "uuid", method="DELETE"))
        await self._client._delete(path)

    async def _create_many(
        self,
        records: Records,
        options: PushOptions,
        create: Callable[[Any], Awaitable[Created[Any]]],
    ) -> BulkReport:
        handle = bulk.create_handler(create)
        return await bulk.push(self._client, records, handle, resource=self._name, options=options)


class AsyncCampaigns(_Collection):
    """``/campaigns``: search, create, replace (``PUT``), delete, and the images."""

    _name = "campaigns"

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
        path = self._client._path(self._name)
        return self._client._search(path, Campaign, filters, page=page, per_page=per_page)

    async def create(self, campaign: CampaignRequest | Body) -> Created[Campaign]:
        """Create a campaign (``409 campaign_exists``/``campaign_active_segment_exists``)."""
        path = self._client._path(self._name)
        return await self._client._create(path, rules.CAMPAIGN, campaign, Campaign)

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
        path = self._client._path(self._name, self._client._id(uuid, "uuid", method="PUT"))
        return await self._client._call(
            "PUT", path, Campaign, schema=rules.CAMPAIGN, record=campaign
        )

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
        client = self._client
        path = client._path(self._name, client._id(uuid, "uuid", method="POST"), "image")
        return await client._upload(
            path, Campaign, image, filename=filename, content_type=content_type, errors={}
        )

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
        client = self._client
        errors: images.FieldErrors = {}
        index = images.check_position(position, errors)
        path = client._path(
            self._name,
            client._id(uuid, "uuid", method="POST"),
            "products",
            "..." if index is None else str(index),
            "image",
        )
        return await client._upload(
            path, Campaign, image, filename=filename, content_type=content_type, errors=errors
        )


class AsyncDiscounts(_Collection):
    """``/discounts``: search, create, update, delete."""

    _name = "discounts"

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
        path = self._client._path(self._name)
        return self._client._search(path, Discount, filters, page=page, per_page=per_page)

    async def create(self, discount: DiscountCreate | Body) -> Created[Discount]:
        """Create a discount (``409 voucher_exists`` when its code is taken)."""
        path = self._client._path(self._name)
        return await self._client._create(path, rules.DISCOUNT_CREATE, discount, Discount)

    async def create_many(self, discounts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Create every discount of a stream; see `AsyncCampaigns.create_many`."""
        return await self._create_many(discounts, options, self.create)

    async def update(self, uuid: str, changes: DiscountUpdate | Body) -> Discount:
        """Change a discount; only the fields given change."""
        path = self._client._path(self._name, self._client._id(uuid, "uuid", method="PATCH"))
        return await self._client._call(
            "PATCH", path, Discount, schema=rules.DISCOUNT_UPDATE, record=changes
        )


class AsyncAnnouncements(_Collection):
    """``/announcements``: search, create, update, delete."""

    _name = "announcements"

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
        path = self._client._path(self._name)
        return self._client._search(path, Announcement, filters, page=page, per_page=per_page)

    async def create(self, announcement: AnnouncementCreate | Body) -> Created[Announcement]:
        """Create an announcement (``409 announcement_exists``)."""
        path = self._client._path(self._name)
        return await self._client._create(
            path, rules.ANNOUNCEMENT_CREATE, announcement, Announcement
        )

    async def create_many(
        self, announcements: Records, **options: Unpack[PushOptions]
    ) -> BulkReport:
        """Create every announcement of a stream; see `AsyncCampaigns.create_many`."""
        return await self._create_many(announcements, options, self.create)

    async def update(self, uuid: str, changes: AnnouncementUpdate | Body) -> Announcement:
        """Change an announcement's text or language."""
        path = self._client._path(self._name, self._client._id(uuid, "uuid", method="PATCH"))
        return await self._client._call(
            "PATCH", path, Announcement, schema=rules.ANNOUNCEMENT_UPDATE, record=changes
        )


class AsyncWebhooks(_Collection):
    """``/webhooks``: search, create, update, delete the shop's event subscriptions."""

    _name = "webhooks"

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
        path = self._client._path(self._name)
        return self._client._search(path, Webhook, filters, page=page, per_page=per_page)

    async def create(self, webhook: WebhookCreate | Body) -> Created[Webhook]:
        """Subscribe a URL; the answer's ``secret`` signs every delivery."""
        path = self._client._path(self._name)
        return await self._client._create(path, rules.WEBHOOK_CREATE, webhook, Webhook)

    async def update(self, uuid: str, changes: WebhookUpdate | Body) -> Webhook:
        """Change a webhook; only the fields given change."""
        path = self._client._path(self._name, self._client._id(uuid, "uuid", method="PATCH"))
        return await self._client._call(
            "PATCH", path, Webhook, schema=rules.WEBHOOK_UPDATE, record=changes
        )


class AsyncClaims(_Collection):
    """``/claims``: search, create, update (``PUT``), delete."""

    _name = "claims"

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
        path = self._client._path(self._name)
        return self._client._search(path, Claim, filters, page=page, per_page=per_page)

    async def create(self, claim: ClaimCreate | Body) -> Created[Claim]:
        """Open a claim about a shipment."""
        path = self._client._path(self._name)
        return await self._client._create(path, rules.CLAIM_CREATE, claim, Claim)

    async def update(self, uuid: str, changes: ClaimUpdate | Body) -> Claim:
        """Change a claim's resolution preference or status (``PUT``)."""
        path = self._client._path(self._name, self._client._id(uuid, "uuid", method="PUT"))
        return await self._client._call(
            "PUT", path, Claim, schema=rules.CLAIM_UPDATE, record=changes
        )
