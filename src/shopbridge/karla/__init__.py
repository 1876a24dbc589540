"""Karla (post-purchase tracking): the clients, models, decision table and webhooks.

`AsyncKarla` and its blocking twin `Karla` (options: `KarlaOptions`), the request and answer
models (`ImageUpload` for a shop image's upload), the decision table and its error parser,
webhook signatures (`sign`, `verify_signature`) and the receiver's helpers (`read_event`,
`webhook_handler`). One module per job:

``_endpoints``          every endpoint, described once: method, path, schema, model, answer
``_client``             `AsyncKarla`, `KarlaOptions` and `settings`; Karla's hooks of the core's
                        one client protocol (paths, bodies, queries, answers)
``_resources``          orders, shipments, shops and settings; the search and create helpers
``_collections``        the uuid-addressed collections: campaigns, discounts, announcements,
                        webhooks, claims, Shopify webhook registrations
``_catalogue``          the product catalogue: variants upserted in batches, products deleted
``_sync``               `Karla`: the blocking resources, derived from the async methods
``_pages``              `Pages` and `BlockingPages`: a search's pages, and its paging checks
``_images``             an image upload's checks and its multipart body
``_bulk``               what one record's upsert or create comes to, for the bulk runner
``_models``             orders, trackings, shipment events, `Created`
``_shop_models``        shops, settings, webhooks, claims, image uploads, org members, Shopify
                        webhook registrations
``_catalogue_models``   the catalogue's variants and their translations
``_marketing_models``   campaigns, discounts, announcements
``_wire``               the private converter: models to Karla's JSON and answers back
``_validation``         Karla's request shapes, checked before sending
``_table``              the decision table and its error parser
``_signature``          webhook signatures: `sign`, `verify_signature`
``_events``             the receiver's side: `read_event`, `webhook_handler`
``sandbox``             `shopbridge.karla.sandbox`: an in-memory fake of the API
"""

from __future__ import annotations

from shopbridge.karla._bulk import DEFAULT_BATCH_SIZE
from shopbridge.karla._catalogue import AsyncProducts
from shopbridge.karla._catalogue_models import ProductVariant, VariantTranslation
from shopbridge.karla._client import DEFAULT_BASE_URL, AsyncKarla, KarlaOptions
from shopbridge.karla._collections import (
    AsyncAnnouncements,
    AsyncCampaigns,
    AsyncClaims,
    AsyncDiscounts,
    AsyncShopifyWebhooks,
    AsyncWebhooks,
)
from shopbridge.karla._events import (
    InvalidEventError,
    WebhookEvent,
    parse_event,
    read_event,
    receive_event,
    webhook_handler,
)
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
    Language,
)
from shopbridge.karla._models import (
    Address,
    Created,
    IdType,
    Order,
    OrderPlacement,
    OrderShipmentUpdate,
    OrderTracking,
    OrderUpdate,
    OrderUpsert,
    Product,
    ProductImage,
    ShipmentEvent,
    Tracking,
    TrackingCarrier,
    TrackingEvent,
)
from shopbridge.karla._pages import DEFAULT_PER_PAGE, MAX_PER_PAGE, BlockingPages, Pages
from shopbridge.karla._resources import (
    AsyncOrders,
    AsyncOrgs,
    AsyncSettings,
    AsyncShipments,
    AsyncShops,
)
from shopbridge.karla._shop_models import (
    IMAGE_TYPES,
    SHOPIFY_WEBHOOK_TYPES,
    Claim,
    ClaimCreate,
    ClaimItem,
    ClaimReason,
    ClaimUpdate,
    ImageType,
    ImageUpload,
    OrgMember,
    Shop,
    ShopCreate,
    ShopifyWebhook,
    ShopifyWebhookCreate,
    ShopifyWebhookType,
    ShopSettings,
    ShopUpdate,
    Webhook,
    WebhookCreate,
    WebhookStatus,
    WebhookUpdate,
)
from shopbridge.karla._signature import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    MalformedSignatureError,
    SignatureError,
    SignatureMismatchError,
    StaleSignatureError,
    sign,
    verify_signature,
)
from shopbridge.karla._sync import (
    Announcements,
    Campaigns,
    Claims,
    Discounts,
    Karla,
    Orders,
    Orgs,
    Products,
    Settings,
    Shipments,
    ShopifyWebhooks,
    Shops,
    Webhooks,
)
from shopbridge.karla._table import ERROR_KEYS, KARLA_TABLE, ErrorKey, parse_error

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_PER_PAGE",
    "DEFAULT_TOLERANCE",
    "ERROR_KEYS",
    "IMAGE_TYPES",
    "KARLA_TABLE",
    "MAX_PER_PAGE",
    "SHOPIFY_WEBHOOK_TYPES",
    "SIGNATURE_HEADER",
    "Address",
    "Announcement",
    "AnnouncementCreate",
    "AnnouncementUpdate",
    "Announcements",
    "AsyncAnnouncements",
    "AsyncCampaigns",
    "AsyncClaims",
    "AsyncDiscounts",
    "AsyncKarla",
    "AsyncOrders",
    "AsyncOrgs",
    "AsyncProducts",
    "AsyncSettings",
    "AsyncShipments",
    "AsyncShopifyWebhooks",
    "AsyncShops",
    "AsyncWebhooks",
    "BlockingPages",
    "Campaign",
    "CampaignRequest",
    "Campaigns",
    "Claim",
    "ClaimCreate",
    "ClaimItem",
    "ClaimReason",
    "ClaimUpdate",
    "Claims",
    "Created",
    "Discount",
    "DiscountCreate",
    "DiscountUpdate",
    "Discounts",
    "ErrorKey",
    "IdType",
    "ImageSource",
    "ImageType",
    "ImageUpload",
    "InvalidEventError",
    "Karla",
    "KarlaOptions",
    "Language",
    "MalformedSignatureError",
    "Order",
    "OrderPlacement",
    "OrderShipmentUpdate",
    "OrderTracking",
    "OrderUpdate",
    "OrderUpsert",
    "Orders",
    "OrgMember",
    "Orgs",
    "Pages",
    "Product",
    "ProductImage",
    "ProductVariant",
    "Products",
    "Settings",
    "ShipmentEvent",
    "Shipments",
    "Shop",
    "ShopCreate",
    "ShopSettings",
    "ShopUpdate",
    "ShopifyWebhook",
    "ShopifyWebhookCreate",
    "ShopifyWebhookType",
    "ShopifyWebhooks",
    "Shops",
    "SignatureError",
    "SignatureMismatchError",
    "StaleSignatureError",
    "Tracking",
    "TrackingCarrier",
    "TrackingEvent",
    "VariantTranslation",
    "Webhook",
    "WebhookCreate",
    "WebhookEvent",
    "WebhookStatus",
    "WebhookUpdate",
    "Webhooks",
    "parse_error",
    "parse_event",
    "read_event",
    "receive_event",
    "sign",
    "verify_signature",
    "webhook_handler",
]
