"""Karla's endpoints, each described once (``specs/karla.md`` §2).

Every path below the base URL; ``{shop}`` is the client's shop unless a call names another.
``POST`` is the method Karla does not deduplicate, so every other endpoint is idempotent:
resent freely after an ambiguous failure. A ``POST`` create is resent too, its ``409 *_exists``
then read as "already existed"; any other ``POST`` (a shipment event, settings, an image) is
never resent after an ambiguous failure. One ``POST`` is an upsert: the catalogue's
``POST /products``, keyed by each variant's ``product_id`` and ``variant_id``, which Karla holds
once however often it is sent (spec §2.11, as the Shopware plugin uses it).

An ``object`` answer is untyped in Karla's spec: the JSON as it came, unwrapped from its
``{data, metadata}`` envelope.
"""

from __future__ import annotations

from types import GenericAlias
from typing import Any, Generic, TypeVar, cast

from attrs import frozen

from shopbridge.core._endpoint import Endpoint
from shopbridge.karla import _validation as rules
from shopbridge.karla._catalogue_models import ProductVariant
from shopbridge.karla._images import IMAGE_FORM
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
    Claim,
    ClaimCreate,
    ClaimUpdate,
    ImageUpload,
    OrgMember,
    Shop,
    ShopCreate,
    ShopifyWebhook,
    ShopifyWebhookCreate,
    ShopSettings,
    ShopUpdate,
    Webhook,
    WebhookCreate,
    WebhookUpdate,
)

__all__ = [
    "ANNOUNCEMENTS",
    "ANNOUNCEMENT_UPDATE",
    "CAMPAIGNS",
    "CAMPAIGN_IMAGE",
    "CAMPAIGN_PRODUCT_IMAGE",
    "CAMPAIGN_REPLACE",
    "CLAIMS",
    "CLAIM_UPDATE",
    "DISCOUNTS",
    "DISCOUNT_UPDATE",
    "ENDPOINTS",
    "KLAVIYO_KEY",
    "ORDER_BULK_UPSERT",
    "ORDER_PLACE",
    "ORDER_SEARCH",
    "ORDER_SHIPMENT_UPDATE",
    "ORDER_UPDATE",
    "ORDER_UPSERT",
    "ORG_MEMBERS",
    "PRODUCT_BULK_UPSERT",
    "PRODUCT_DELETE",
    "PRODUCT_VARIANT_UPSERT",
    "SETTINGS_CARRIERS",
    "SETTINGS_GET",
    "SETTINGS_SEGMENTS",
    "SETTINGS_SET",
    "SETTINGS_TRACKPAGES",
    "SETTINGS_TRIGGERS",
    "SHIPMENT_EVENT",
    "SHOPIFY_TOKEN",
    "SHOPIFY_WEBHOOK_CREATE",
    "SHOPIFY_WEBHOOK_DELETE",
    "SHOPIFY_WEBHOOK_GET",
    "SHOPIFY_WEBHOOK_LIST",
    "SHOPWARE_CREDENTIALS",
    "SHOP_CREATE",
    "SHOP_DELETE",
    "SHOP_GET",
    "SHOP_IMAGE",
    "SHOP_SEARCH",
    "SHOP_UPDATE",
    "WEBHOOKS",
    "WEBHOOK_UPDATE",
    "Collection",
]

_A = TypeVar("_A")

_SHOP = "/shops/{shop}"


def _endpoint(
    name: str,
    method: str,
    path: str,
    answer: type[_A] | None,
    *,
    schema: object | None = None,
    model: type | None = None,
    create: bool = False,
    many: bool = False,
    upsert: bool = False,
) -> Endpoint[_A]:
    return Endpoint(
        name=name,
        method=method,
        path=path,
        answer=answer,
        schema=schema,
        model=model,
        idempotent=method != "POST" or upsert,
        create=create,
        many=many,
    )


ORDER_SEARCH = _endpoint("orders.search", "GET", f"{_SHOP}/orders", list[Order])
ORDER_PLACE = _endpoint(
    "orders.place",
    "POST",
    f"{_SHOP}/orders",
    object,
    schema=rules.ORDER_PLACEMENT,
    model=OrderPlacement,
    create=True,
)
ORDER_UPSERT = _endpoint(
    "orders.upsert", "PUT", f"{_SHOP}/orders", object, schema=rules.ORDER_UPSERT, model=OrderUpsert
)
ORDER_BULK_UPSERT = _endpoint(
    "orders.bulk_upsert",
    "PUT",
    f"{_SHOP}/orders/bulk",
    object,
    schema=rules.ORDER_UPSERT,
    model=OrderUpsert,
    many=True,
)
ORDER_UPDATE = _endpoint(
    "orders.update",
    "PATCH",
    f"{_SHOP}/orders/{{order_id}}",
    Order,
    schema=rules.ORDER_UPDATE,
    model=OrderUpdate,
)
ORDER_SHIPMENT_UPDATE = _endpoint(
    "orders.update_shipment",
    "PATCH",
    f"{_SHOP}/orders/{{order_id}}/shipments/{{shipment_id}}",
    Tracking,
    schema=rules.ORDER_SHIPMENT_UPDATE,
    model=OrderShipmentUpdate,
)
SHIPMENT_EVENT = _endpoint(
    "shipments.add_event",
    "POST",
    f"{_SHOP}/shipments/{{shipment_id}}/events",
    object,
    schema=rules.SHIPMENT_EVENT,
    model=ShipmentEvent,
)

SHOP_SEARCH = _endpoint("shops.search", "GET", "/shops", list[Shop])
SHOP_CREATE = _endpoint(
    "shops.create",
    "POST",
    "/shops",
    Shop,
    schema=rules.SHOP_CREATE,
    model=ShopCreate,
    create=True,
)
SHOP_GET = _endpoint("shops.get", "GET", _SHOP, Shop)
SHOP_UPDATE = _endpoint(
    "shops.update", "PATCH", _SHOP, Shop, schema=rules.SHOP_UPDATE, model=ShopUpdate
)
SHOP_DELETE: Endpoint[None] = _endpoint("shops.delete", "DELETE", _SHOP, None)
SHOP_IMAGE = _endpoint(
    "shops.upload_image", "POST", f"{_SHOP}/images/{{image_type}}", ImageUpload, schema=IMAGE_FORM
)
KLAVIYO_KEY = _endpoint(
    "shops.set_klaviyo_key", "PUT", f"{_SHOP}/keys/klaviyo", object, schema=rules.API_KEY
)
SHOPIFY_TOKEN = _endpoint(
    "shops.set_shopify_token", "PUT", f"{_SHOP}/keys/shopify", object, schema=rules.API_KEY
)
SHOPWARE_CREDENTIALS = _endpoint(
    "shops.set_shopware_credentials",
    "PUT",
    f"{_SHOP}/keys/shopware",
    object,
    schema=rules.SHOPWARE_CREDENTIALS,
)

SETTINGS_GET = _endpoint("settings.get", "GET", f"{_SHOP}/settings", ShopSettings)
SETTINGS_SET = _endpoint(
    "settings.set", "POST", f"{_SHOP}/settings", ShopSettings, schema=rules.SETTINGS
)
# Spec Q5: the reference does not show these updates' method; PUT, like trackpages.
SETTINGS_CARRIERS = _endpoint(
    "settings.update_carriers",
    "PUT",
    f"{_SHOP}/settings/carriers",
    object,
    schema=rules.CARRIER_SETTINGS,
)
SETTINGS_TRIGGERS = _endpoint(
    "settings.update_triggers",
    "PUT",
    f"{_SHOP}/settings/triggers",
    object,
    schema=rules.TRIGGER_SETTINGS,
)
SETTINGS_SEGMENTS = _endpoint(
    "settings.update_segments",
    "PUT",
    f"{_SHOP}/settings/segments",
    object,
    schema=rules.SEGMENT_SETTINGS,
)
SETTINGS_TRACKPAGES = _endpoint(
    "settings.update_trackpages",
    "PUT",
    f"{_SHOP}/settings/trackpages",
    ShopSettings,
    schema=rules.TRACKPAGES,
)

PRODUCT_BULK_UPSERT = _endpoint(
    "products.bulk_upsert",
    "POST",
    f"{_SHOP}/products",
    object,
    schema=rules.PRODUCT_VARIANT,
    model=ProductVariant,
    many=True,
    upsert=True,
)
PRODUCT_VARIANT_UPSERT = _endpoint(
    "products.upsert_variant",
    "PUT",
    f"{_SHOP}/products/{{product_id}}/variants/{{variant_id}}",
    object,
    schema=rules.VARIANT_DETAILS,
)
PRODUCT_DELETE: Endpoint[None] = _endpoint(
    "products.delete", "DELETE", f"{_SHOP}/products/{{product_id}}", None
)
ORG_MEMBERS = _endpoint("orgs.members", "GET", "/orgs/{org}/members", list[OrgMember])
_SHOPIFY_WEBHOOKS = f"{_SHOP}/shopify/webhooks"
SHOPIFY_WEBHOOK_LIST = _endpoint(
    "shopify_webhooks.list", "GET", _SHOPIFY_WEBHOOKS, list[ShopifyWebhook]
)
SHOPIFY_WEBHOOK_CREATE = _endpoint(
    "shopify_webhooks.create",
    "POST",
    _SHOPIFY_WEBHOOKS,
    ShopifyWebhook,
    schema=rules.SHOPIFY_WEBHOOK_CREATE,
    model=ShopifyWebhookCreate,
    create=True,
)
SHOPIFY_WEBHOOK_GET = _endpoint(
    "shopify_webhooks.get", "GET", f"{_SHOPIFY_WEBHOOKS}/{{uuid}}", ShopifyWebhook
)
SHOPIFY_WEBHOOK_DELETE: Endpoint[None] = _endpoint(
    "shopify_webhooks.delete", "DELETE", f"{_SHOPIFY_WEBHOOKS}/{{uuid}}", None
)

CAMPAIGN_REPLACE = _endpoint(
    "campaigns.replace",
    "PUT",
    f"{_SHOP}/campaigns/{{uuid}}",
    Campaign,
    schema=rules.CAMPAIGN,
    model=CampaignRequest,
)
CAMPAIGN_IMAGE = _endpoint(
    "campaigns.upload_image",
    "POST",
    f"{_SHOP}/campaigns/{{uuid}}/image",
    Campaign,
    schema=IMAGE_FORM,
)
CAMPAIGN_PRODUCT_IMAGE = _endpoint(
    "campaigns.upload_product_image",
    "POST",
    f"{_SHOP}/campaigns/{{uuid}}/products/{{position}}/image",
    Campaign,
    schema=IMAGE_FORM,
)
DISCOUNT_UPDATE = _endpoint(
    "discounts.update",
    "PATCH",
    f"{_SHOP}/discounts/{{uuid}}",
    Discount,
    schema=rules.DISCOUNT_UPDATE,
    model=DiscountUpdate,
)
ANNOUNCEMENT_UPDATE = _endpoint(
    "announcements.update",
    "PATCH",
    f"{_SHOP}/announcements/{{uuid}}",
    Announcement,
    schema=rules.ANNOUNCEMENT_UPDATE,
    model=AnnouncementUpdate,
)
WEBHOOK_UPDATE = _endpoint(
    "webhooks.update",
    "PATCH",
    f"{_SHOP}/webhooks/{{uuid}}",
    Webhook,
    schema=rules.WEBHOOK_UPDATE,
    model=WebhookUpdate,
)
CLAIM_UPDATE = _endpoint(
    "claims.update",
    "PUT",
    f"{_SHOP}/claims/{{uuid}}",
    Claim,
    schema=rules.CLAIM_UPDATE,
    model=ClaimUpdate,
)


@frozen
class Collection(Generic[_A]):
    """The endpoints every uuid-addressed collection has: search, create and delete."""

    name: str
    search: Endpoint[list[_A]]
    create: Endpoint[_A]
    delete: Endpoint[None]


def _collection(name: str, model: type[_A], schema: object, request: type) -> Collection[_A]:
    path = f"{_SHOP}/{name}"
    # `list[model]` spelt so that mypy reads it: a type held in a variable is not a type to it.
    items = cast("type[list[_A]]", GenericAlias(list, (model,)))
    return Collection(
        name=name,
        search=_endpoint(f"{name}.search", "GET", path, items),
        create=_endpoint(
            f"{name}.create", "POST", path, model, schema=schema, model=request, create=True
        ),
        delete=_endpoint(f"{name}.delete", "DELETE", f"{path}/{{uuid}}", None),
    )


CAMPAIGNS = _collection("campaigns", Campaign, rules.CAMPAIGN, CampaignRequest)
DISCOUNTS = _collection("discounts", Discount, rules.DISCOUNT_CREATE, DiscountCreate)
ANNOUNCEMENTS = _collection(
    "announcements", Announcement, rules.ANNOUNCEMENT_CREATE, AnnouncementCreate
)
WEBHOOKS = _collection("webhooks", Webhook, rules.WEBHOOK_CREATE, WebhookCreate)
CLAIMS = _collection("claims", Claim, rules.CLAIM_CREATE, ClaimCreate)

ENDPOINTS: tuple[Endpoint[Any], ...] = (
    ORDER_SEARCH,
    ORDER_PLACE,
    ORDER_UPSERT,
    ORDER_BULK_UPSERT,
    ORDER_UPDATE,
    ORDER_SHIPMENT_UPDATE,
    SHIPMENT_EVENT,
    SHOP_SEARCH,
    SHOP_CREATE,
    SHOP_GET,
    SHOP_UPDATE,
    SHOP_DELETE,
    SHOP_IMAGE,
    KLAVIYO_KEY,
    SHOPIFY_TOKEN,
    SHOPWARE_CREDENTIALS,
    SETTINGS_GET,
    SETTINGS_SET,
    SETTINGS_CARRIERS,
    SETTINGS_TRIGGERS,
    SETTINGS_SEGMENTS,
    SETTINGS_TRACKPAGES,
    *(
        endpoint
        for collection in (CAMPAIGNS, DISCOUNTS, ANNOUNCEMENTS, WEBHOOKS, CLAIMS)
        for endpoint in (collection.search, collection.create, collection.delete)
    ),
    CAMPAIGN_REPLACE,
    CAMPAIGN_IMAGE,
    CAMPAIGN_PRODUCT_IMAGE,
    DISCOUNT_UPDATE,
    ANNOUNCEMENT_UPDATE,
    WEBHOOK_UPDATE,
    CLAIM_UPDATE,
    PRODUCT_BULK_UPSERT,
    PRODUCT_VARIANT_UPSERT,
    PRODUCT_DELETE,
    ORG_MEMBERS,
    SHOPIFY_WEBHOOK_LIST,
    SHOPIFY_WEBHOOK_CREATE,
    SHOPIFY_WEBHOOK_GET,
    SHOPIFY_WEBHOOK_DELETE,
)
"""Every endpoint the client calls."""
