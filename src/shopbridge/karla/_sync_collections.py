"""The blocking twins of the uuid-addressed collections (`shopbridge.karla._collections`).

Campaigns, discounts, announcements, webhooks and claims, as `Karla` holds them; each method is
one call through the client's portal. Re-exported by `shopbridge.karla._sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from shopbridge.core.bulk._push import with_total
from shopbridge.karla._pages import DEFAULT_PER_PAGE, BlockingPages

if TYPE_CHECKING:
    from datetime import datetime

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
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
        Webhook,
        WebhookCreate,
        WebhookUpdate,
    )
    from shopbridge.karla._sync import Karla

__all__ = ["Announcements", "Campaigns", "Claims", "Discounts", "Webhooks"]

Body = Mapping[str, Any]


class _Part:
    """A part of `Karla` (one resource), calling through its portal."""

    def __init__(self, karla: Karla) -> None:
        self._k = karla


class Campaigns(_Part):
    """``/campaigns``: see `shopbridge.karla._collections.AsyncCampaigns`."""

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
    ) -> BlockingPages[Campaign]:
        """The shop's campaigns matching every filter given."""
        return self._k._pages(
            lambda c, p, n: c.campaigns.search(
                uuid=uuid,
                name=name,
                start_date=start_date,
                end_date=end_date,
                segment=segment,
                promotion_type=promotion_type,
                enabled=enabled,
                page=p,
                per_page=n,
            ),
            page=page,
            per_page=per_page,
            path=f"{self._k._shop_path}/campaigns",
        )

    def create(self, campaign: CampaignRequest | Body) -> Created[Campaign]:
        """Create a campaign."""
        return self._k._call(lambda c: c.campaigns.create(campaign))

    def create_many(self, campaigns: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Create every campaign of a stream; see `AsyncCampaigns.create_many`."""
        return self._k._call_with_records(
            lambda c, records, size: c.campaigns.create_many(records, **with_total(options, size)),
            campaigns,
        )

    def replace(self, uuid: str, campaign: CampaignRequest | Body) -> Campaign:
        """Replace a campaign whole."""
        return self._k._call(lambda c: c.campaigns.replace(uuid, campaign))

    def delete(self, uuid: str) -> None:
        """Delete a campaign."""
        self._k._call(lambda c: c.campaigns.delete(uuid))

    def upload_image(
        self,
        uuid: str,
        image: ImageSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Campaign:
        """Upload a campaign's image (not resent after an ambiguous failure)."""
        return self._k._call(
            lambda c: c.campaigns.upload_image(
                uuid, image, filename=filename, content_type=content_type
            )
        )

    def upload_product_image(
        self,
        uuid: str,
        position: int,
        image: ImageSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Campaign:
        """Upload the image of the campaign's product at `position` (from 0)."""
        return self._k._call(
            lambda c: c.campaigns.upload_product_image(
                uuid, position, image, filename=filename, content_type=content_type
            )
        )


class Discounts(_Part):
    """``/discounts``: see `shopbridge.karla._collections.AsyncDiscounts`."""

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
    ) -> BlockingPages[Discount]:
        """The shop's discounts matching every filter given."""
        return self._k._pages(
            lambda c, p, n: c.discounts.search(
                uuid=uuid,
                code=code,
                title=title,
                type=type,
                value_type=value_type,
                target_type=target_type,
                target_selection=target_selection,
                page=p,
                per_page=n,
            ),
            page=page,
            per_page=per_page,
            path=f"{self._k._shop_path}/discounts",
        )

    def create(self, discount: DiscountCreate | Body) -> Created[Discount]:
        """Create a discount."""
        return self._k._call(lambda c: c.discounts.create(discount))

    def create_many(self, discounts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Create every discount of a stream; see `AsyncCampaigns.create_many`."""
        return self._k._call_with_records(
            lambda c, records, size: c.discounts.create_many(records, **with_total(options, size)),
            discounts,
        )

    def update(self, uuid: str, changes: DiscountUpdate | Body) -> Discount:
        """Change a discount."""
        return self._k._call(lambda c: c.discounts.update(uuid, changes))

    def delete(self, uuid: str) -> None:
        """Delete a discount."""
        self._k._call(lambda c: c.discounts.delete(uuid))


class Announcements(_Part):
    """``/announcements``: see `shopbridge.karla._collections.AsyncAnnouncements`."""

    def search(
        self,
        *,
        uuid: str | None = None,
        text: str | None = None,
        language: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> BlockingPages[Announcement]:
        """The shop's announcements matching every filter given."""
        return self._k._pages(
            lambda c, p, n: c.announcements.search(
                uuid=uuid, text=text, language=language, page=p, per_page=n
            ),
            page=page,
            per_page=per_page,
            path=f"{self._k._shop_path}/announcements",
        )

    def create(self, announcement: AnnouncementCreate | Body) -> Created[Announcement]:
        """Create an announcement."""
        return self._k._call(lambda c: c.announcements.create(announcement))

    def create_many(self, announcements: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Create every announcement of a stream; see `AsyncCampaigns.create_many`."""
        return self._k._call_with_records(
            lambda c, records, size: c.announcements.create_many(
                records, **with_total(options, size)
            ),
            announcements,
        )

    def update(self, uuid: str, changes: AnnouncementUpdate | Body) -> Announcement:
        """Change an announcement."""
        return self._k._call(lambda c: c.announcements.update(uuid, changes))

    def delete(self, uuid: str) -> None:
        """Delete an announcement."""
        self._k._call(lambda c: c.announcements.delete(uuid))


class Webhooks(_Part):
    """``/webhooks``: see `shopbridge.karla._collections.AsyncWebhooks`."""

    def search(
        self,
        *,
        uuid: str | None = None,
        status: str | None = None,
        url: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> BlockingPages[Webhook]:
        """The shop's webhooks matching every filter given."""
        return self._k._pages(
            lambda c, p, n: c.webhooks.search(
                uuid=uuid, status=status, url=url, page=p, per_page=n
            ),
            page=page,
            per_page=per_page,
            path=f"{self._k._shop_path}/webhooks",
        )

    def create(self, webhook: WebhookCreate | Body) -> Created[Webhook]:
        """Subscribe a URL."""
        return self._k._call(lambda c: c.webhooks.create(webhook))

    def update(self, uuid: str, changes: WebhookUpdate | Body) -> Webhook:
        """Change a webhook."""
        return self._k._call(lambda c: c.webhooks.update(uuid, changes))

    def delete(self, uuid: str) -> None:
        """Delete a webhook."""
        self._k._call(lambda c: c.webhooks.delete(uuid))


class Claims(_Part):
    """``/claims``: see `shopbridge.karla._collections.AsyncClaims`."""

    def search(
        self,
        *,
        order_id: str | None = None,
        shipment_id: str | None = None,
        resolution_preference: str | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> BlockingPages[Claim]:
        """The shop's claims matching every filter given."""
        return self._k._pages(
            lambda c, p, n: c.claims.search(
                order_id=order_id,
                shipment_id=shipment_id,
                resolution_preference=resolution_preference,
                status=status,
                page=p,
                per_page=n,
            ),
            page=page,
            per_page=per_page,
            path=f"{self._k._shop_path}/claims",
        )

    def create(self, claim: ClaimCreate | Body) -> Created[Claim]:
        """Open a claim."""
        return self._k._call(lambda c: c.claims.create(claim))

    def update(self, uuid: str, changes: ClaimUpdate | Body) -> Claim:
        """Change a claim's resolution preference or status."""
        return self._k._call(lambda c: c.claims.update(uuid, changes))

    def delete(self, uuid: str) -> None:
        """Delete a claim."""
        self._k._call(lambda c: c.claims.delete(uuid))
