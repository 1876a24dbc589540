"""Karla's shops, settings, webhook subscriptions, claims (``specs/karla.md`` §2.4-2.10, §2.11).

Also the members of an organisation and the webhooks Karla registers in a Shopify shop (§2.11).

As in `shopbridge.karla._models`: requests leave ``None`` fields out of the JSON; answers keep
unknown fields in ``extra`` and read enumerations as plain strings. A webhook's ``secret`` is
never part of a repr.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias, get_args

from attrs import field, frozen

from shopbridge.karla._models import Address

__all__ = [
    "IMAGE_TYPES",
    "SHOPIFY_WEBHOOK_TYPES",
    "Claim",
    "ClaimCreate",
    "ClaimItem",
    "ClaimReason",
    "ClaimUpdate",
    "ImageType",
    "ImageUpload",
    "OrgMember",
    "Shop",
    "ShopCreate",
    "ShopSettings",
    "ShopUpdate",
    "ShopifyWebhook",
    "ShopifyWebhookCreate",
    "ShopifyWebhookType",
    "Webhook",
    "WebhookCreate",
    "WebhookStatus",
    "WebhookUpdate",
]

ShopProvider: TypeAlias = Literal["shopware", "shopify"]
WebhookStatus: TypeAlias = Literal["active", "inactive"]
ClaimReason: TypeAlias = Literal["partial_damage", "damage", "investigation", "support", "return"]
ClaimStatus: TypeAlias = Literal["pending", "accepted", "rejected", "closed"]
Resolution: TypeAlias = Literal["reorder", "refund"]
ImageType: TypeAlias = Literal["background", "claim", "logo", "signature", "product", "voucher"]

ShopifyWebhookType: TypeAlias = Literal[
    "order_creation",
    "order_fulfillment",
    "order_partial_fulfillment",
    "order_update",
    "order_fulfillment_update",
]

IMAGE_TYPES: Final[tuple[ImageType, ...]] = get_args(ImageType)
"""The ``image_type`` values of ``POST /shops/{slug}/images/{image_type}``, in the spec's order."""
SHOPIFY_WEBHOOK_TYPES: Final[tuple[ShopifyWebhookType, ...]] = get_args(ShopifyWebhookType)
"""The ``webhook_type`` values of ``POST /shops/{slug}/shopify/webhooks``, in the spec's order."""


def _tuple(values: Sequence[Any] | None) -> tuple[Any, ...] | None:
    if isinstance(values, str):
        msg = f"expected a list, not the string {values!r}"
        raise TypeError(msg)
    return None if values is None else tuple(values)


def _extra() -> Any:
    return field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class ShopCreate:
    """``POST /shops``: a new shop (409 ``shop_exists`` when the slug is taken)."""

    name: str
    slug: str
    organization: str
    klaviyo_enabled: bool
    description: str | None = None
    shop_provider: ShopProvider | None = None
    shop_admin_url: str | None = None
    shop_faq_url: str | None = None
    shop_service_url: str | None = None
    shop_url: str | None = None
    logo_url: str | None = None
    web_tracking_enabled: bool | None = None


@frozen(kw_only=True)
class ShopUpdate:
    """``PATCH /shops/{slug}``: only the fields given change."""

    name: str | None = None
    description: str | None = None
    klaviyo_enabled: bool | None = None
    shop_provider: ShopProvider | None = None
    shop_admin_url: str | None = None
    shop_faq_url: str | None = None
    shop_service_url: str | None = None
    shop_url: str | None = None
    logo_url: str | None = None
    web_tracking_enabled: bool | None = None
    language: str | None = None


@frozen(kw_only=True)
class Shop:
    """A shop as Karla answers it."""

    slug: str
    uuid: str | None = None
    name: str | None = None
    organization: str | None = None
    description: str | None = None
    language: str | None = None
    shop_provider: str | None = None
    shop_url: str | None = None
    shop_admin_url: str | None = None
    shop_faq_url: str | None = None
    shop_service_url: str | None = None
    logo_url: str | None = None
    klaviyo_enabled: bool | None = None
    web_tracking_enabled: bool | None = None
    go_live_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class ImageUpload:
    """A shop image as Karla answers its upload: where it is served from, and what it is."""

    url: str
    image_type: str | None = None
    shop_slug: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class ShopSettings:
    """A shop's settings, in the current reference's shape (each part a free-form object).

    ``carriers`` is ``{shipment_updates}``, ``triggers`` ``{klaviyo, shopify}``, ``segments``
    ``{klaviyo, shopify}``; anything else Karla answers is kept in ``extra``.
    """

    carriers: Mapping[str, Any] | None = None
    triggers: Mapping[str, Any] | None = None
    segments: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class WebhookCreate:
    """``POST /webhooks``: a subscription. Karla generates the secret when none is given."""

    url: str
    enabled_events: tuple[str, ...] | None = field(default=None, converter=_tuple)
    secret: str | None = field(default=None, repr=False)
    description: str | None = None
    status: WebhookStatus | None = None


@frozen(kw_only=True)
class WebhookUpdate:
    """``PATCH /webhooks/{uuid}``: only the fields given change."""

    url: str | None = None
    enabled_events: tuple[str, ...] | None = field(default=None, converter=_tuple)
    description: str | None = None
    status: WebhookStatus | None = None


@frozen(kw_only=True)
class Webhook:
    """A webhook subscription as Karla answers it; ``secret`` signs its deliveries."""

    uuid: str
    url: str | None = None
    enabled_events: tuple[str, ...] = ()
    secret: str | None = field(default=None, repr=False)
    description: str | None = None
    status: str | None = None
    shop_slug: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class ClaimItem:
    """An item of a claim; ``quantity`` is required."""

    quantity: int
    sku: str | None = None
    title: str | None = None
    net_price: Decimal | int | float | None = None
    image_urls: tuple[str, ...] | None = field(default=None, converter=_tuple)


@frozen(kw_only=True)
class ClaimCreate:
    """``POST /claims``: a claim about a shipment (Karla Resolve)."""

    reason: ClaimReason
    shipment_id: str | None = None
    resolution_preference: Resolution | None = None
    status: ClaimStatus | None = None
    description: str | None = None
    customer_signature_image_url: str | None = None
    selected_items: tuple[ClaimItem, ...] | None = field(default=None, converter=_tuple)
    image_urls: tuple[str, ...] | None = field(default=None, converter=_tuple)
    dropoff_permission: bool | None = None


@frozen(kw_only=True)
class ClaimUpdate:
    """``PUT /claims/{uuid}``: its resolution preference and/or status."""

    resolution_preference: Resolution | None = None
    status: ClaimStatus | None = None


@frozen(kw_only=True)
class Claim:
    """A claim as Karla answers it."""

    uuid: str
    reason: str | None = None
    status: str | None = None
    resolution_preference: str | None = None
    shipment_id: str | None = None
    order_id: str | None = None
    order_number: str | None = None
    shop_slug: str | None = None
    tracking_number: str | None = None
    carrier_reference: str | None = None
    description: str | None = None
    address: Address | None = None
    selected_items: tuple[Mapping[str, Any], ...] = ()
    image_urls: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class OrgMember:
    """A member of an organisation, as ``GET /orgs/{slug}/members`` answers it.

    Attributes:
        email_id: the member's e-mail address.
        org: the organisation.
        feature_community: ``alpha``, ``beta`` or ``live``.
        feature_toggles: the features the member has, free-form.
        shops: the slugs of the shops the member reaches.
    """

    email_id: str
    org: str | None = None
    feature_community: str | None = None
    feature_toggles: Mapping[str, Any] | None = None
    shops: tuple[str, ...] = ()
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class ShopifyWebhookCreate:
    """``POST /shopify/webhooks``: have Karla register one of its webhooks in the Shopify shop."""

    webhook_type: ShopifyWebhookType


@frozen(kw_only=True)
class ShopifyWebhook:
    """A webhook Karla registered in the shop's Shopify, as Karla answers it.

    Attributes:
        uuid: Karla's id of the registration.
        webhook_type: one of `SHOPIFY_WEBHOOK_TYPES` (read as a plain string).
        name: its name.
        topic: the Shopify topic (``orders/create``...).
        hook_url: where Shopify delivers it.
        shopify_id: Shopify's id of the webhook, once registered there.
        fields: the fields Shopify sends, when filtered.
        shop_slug: the shop (older answers: ``merchant_slug``).
    """

    uuid: str
    webhook_type: str | None = None
    name: str | None = None
    topic: str | None = None
    hook_url: str | None = None
    shopify_id: int | None = None
    fields: tuple[str, ...] = ()
    shop_slug: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()
