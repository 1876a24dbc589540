"""The request bodies and search parameters of ``specs/karla.md`` §2, as the sandbox checks them.

Wire names and required fields follow the spec's DTO tables (the Feb-2025 OpenAPI schema and
the current reference); defaults are the documented ones. The business checks that answer a
keyed 422 (``zip_code_invalid``, ``carrier_reference_invalid``, ``campaign_type_invalid``) are
not here: they run after these, in the handlers, as on Karla.
"""

from __future__ import annotations

import re

from shopbridge.karla.sandbox._schema import (
    Boolean,
    Choice,
    DateTime,
    DictOf,
    Field,
    Free,
    Integer,
    ListOf,
    Model,
    Number,
    Text,
    Url,
    Uuid,
)
from shopbridge.karla.sandbox._state import ORDER_ID_TYPES, KarlaState

__all__ = [
    "ADDRESS_UPDATE",
    "ANNOUNCEMENT",
    "ANNOUNCEMENT_UPDATE",
    "CAMPAIGN",
    "CARRIER_REFERENCE",
    "CLAIM",
    "CLAIM_UPDATE",
    "DISCOUNT",
    "DISCOUNT_UPDATE",
    "IMAGE_TYPES",
    "KEY_BODIES",
    "LANGUAGES",
    "ORDER_PLACEMENT",
    "ORDER_UPDATE",
    "ORDER_UPSERT",
    "PAGINATION",
    "PRODUCT_VARIANT",
    "PROMOTION_TYPES",
    "SETTINGS",
    "SETTINGS_PARTS",
    "SHIPMENT_EVENT",
    "SHIPMENT_UPDATE",
    "SHOPIFY_WEBHOOK_CREATE",
    "SHOPIFY_WEBHOOK_TYPES",
    "SHOP_CREATE",
    "SHOP_UPDATE",
    "TRACKPAGES",
    "VARIANT_DETAILS",
    "WEBHOOK_CREATE",
    "WEBHOOK_UPDATE",
    "text_fields",
]

LANGUAGES = ("dk", "nl", "en", "fr", "de", "it", "es")
IMAGE_TYPES = ("background", "claim", "logo", "signature", "product", "voucher")
PROMOTION_TYPES = ("product", "basic", "banner")

CARRIER_REFERENCE = re.compile(r"[a-z][a-z0-9_]{1,31}")
"""What the sandbox takes for a Karla carrier code (``dhl``, ``gls_es``, ``postnl_inter``):
Karla knows 1000+ carriers, so the sandbox checks the form of a code, not a list."""


def _list() -> list[object]:
    return []


def _dict() -> dict[str, object]:
    return {}


def text_fields(*names: str) -> tuple[Field, ...]:
    """Optional string fields."""
    return tuple(Field(name=name, kind=Text()) for name in names)


PAGINATION = (
    Field(name="page", kind=Integer(gt=0), default=lambda: 1),
    Field(name="per_page", kind=Integer(gt=0, le=100), default=lambda: 30),
)
"""``page > 0``, ``0 < per_page <= 100``, defaults 1 and 30 (spec §2.1)."""

# -- orders (§2.2) ----------------------------------------------------------------------------

_IMAGE = Model(
    fields=(Field(name="src", kind=Text(), required=True), Field(name="alt", kind=Text()))
)
_TAX_LINE = Model(
    fields=(
        Field(name="currency", kind=Text()),
        Field(name="price", kind=Number()),
        Field(name="rate", kind=Number()),
        Field(name="title", kind=Text()),
    )
)
_BASE_PRODUCT_FIELDS = (
    Field(name="title", kind=Text()),
    Field(name="quantity", kind=Integer()),
    Field(name="price", kind=Number()),
    Field(name="size", kind=Text()),
    Field(name="images", kind=ListOf(item=_IMAGE)),
    Field(name="sku", kind=Text()),
    Field(name="weight", kind=Number()),
    Field(name="tax_lines", kind=ListOf(item=_TAX_LINE)),
)
_PRODUCT = Model(
    fields=(
        *_BASE_PRODUCT_FIELDS,
        Field(name="bundled_products", kind=ListOf(item=Model(fields=_BASE_PRODUCT_FIELDS))),
        Field(name="shipment_id", kind=Uuid()),
        Field(name="type", kind=Choice(values=("product", "bundle")), default=lambda: "product"),
    )
)
_ADDRESS_FIELDS = (
    *text_fields(
        "address_line_1",
        "address_line_2",
        "city",
        "country",
        "name",
        "phone",
        "province",
        "province_code",
        "street",
        "company",
    ),
    # "2 letters" (spec §2.2): pydantic's `constr(min_length=2, max_length=2)`.
    Field(name="country_code", kind=Text(min_length=2, max_length=2)),
)
_ADDRESS_WITH_ZIP = Model(
    fields=(*_ADDRESS_FIELDS, Field(name="zip_code", kind=Text(), required=True))
)
ADDRESS_UPDATE = Model(fields=(*_ADDRESS_FIELDS, Field(name="zip_code", kind=Text())), partial=True)

ORDER_PLACEMENT = Model(
    fields=(
        Field(name="order_number", kind=Text(), required=True),
        Field(name="external_id", kind=Text(), required=True),
        Field(name="address", kind=_ADDRESS_WITH_ZIP, required=True),
        Field(name="order_name", kind=Text()),
        Field(name="order_placed_at", kind=DateTime(), default=KarlaState.now),
        Field(name="total_order_price", kind=Number()),
        Field(name="shipping_price", kind=Number()),
        Field(name="sub_total_price", kind=Number()),
        Field(name="discount_price", kind=Number(), default=lambda: 0),
        Field(name="products", kind=ListOf(item=_PRODUCT), default=_list),
        Field(
            name="discounts",
            kind=ListOf(
                item=Model(
                    fields=(
                        Field(name="code", kind=Text(), required=True),
                        Field(name="amount", kind=Text()),
                        Field(name="type", kind=Text()),
                    )
                )
            ),
            default=_list,
        ),
        Field(name="email_id", kind=Text()),
        Field(name="currency", kind=Text(), default=lambda: "EUR"),
        Field(name="segments", kind=ListOf(item=Text()), default=_list),
        Field(name="weight", kind=Number()),
        Field(name="user_agent", kind=Text()),
        Field(name="order_analytics", kind=Free(), default=_dict),
        Field(name="expected_number_of_shipments", kind=Integer(), default=lambda: 1),
        Field(name="external_customer_id", kind=Text()),
    )
)
_ORDER_TRACKING = Model(
    fields=(
        Field(name="tracking_number", kind=Text(), required=True),
        Field(name="tracking_url", kind=Text()),
        Field(name="tracking_placed_at", kind=DateTime()),
        Field(name="carrier_reference", kind=Text()),
        Field(name="external_shipment_id", kind=Text()),
        Field(name="products", kind=ListOf(item=_PRODUCT)),
    )
)
ORDER_UPSERT = Model(
    fields=(
        Field(name="id", kind=Text(), required=True),
        Field(name="id_type", kind=Choice(values=ORDER_ID_TYPES), default=lambda: "order_number"),
        Field(name="order", kind=ORDER_PLACEMENT),
        Field(name="trackings", kind=ListOf(item=_ORDER_TRACKING), required=True),
        # The Shopware plugin sends it here rather than inside `order` (spec §2.2).
        Field(name="order_analytics", kind=Free()),
    )
)
ORDER_UPDATE = Model(
    fields=(
        Field(name="address", kind=ADDRESS_UPDATE),
        Field(name="expected_number_of_shipments", kind=Integer()),
    ),
    partial=True,
)
SHIPMENT_UPDATE = Model(
    fields=(
        Field(name="tracking_url", kind=Text()),
        Field(name="products", kind=ListOf(item=_PRODUCT)),
    ),
    partial=True,
)
SHIPMENT_EVENT = Model(
    fields=(
        Field(name="event_name", kind=Text(min_length=1), required=True),
        Field(name="event_time", kind=DateTime(), required=True),
        Field(name="external_id", kind=Text(min_length=1), required=True),
    )
)

# -- shops and settings (§2.4, §2.5) ------------------------------------------------------------

_SHOP_OPTIONAL = (
    *text_fields("description", "shop_admin_url", "shop_faq_url", "shop_service_url", "shop_url"),
    Field(name="logo_url", kind=Text()),
    Field(name="shop_provider", kind=Choice(values=("shopware", "shopify"))),
    Field(name="web_tracking_enabled", kind=Boolean()),
)
SHOP_CREATE = Model(
    fields=(
        Field(name="name", kind=Text(min_length=1), required=True),
        Field(name="organization", kind=Text(min_length=1), required=True),
        Field(name="klaviyo_enabled", kind=Boolean(), required=True),
        Field(name="slug", kind=Text(min_length=1), required=True),
        *_SHOP_OPTIONAL,
        Field(name="language", kind=Choice(values=LANGUAGES), default=lambda: "en"),
    )
)
SHOP_UPDATE = Model(
    fields=(
        Field(name="name", kind=Text(min_length=1)),
        Field(name="organization", kind=Text(min_length=1)),
        Field(name="klaviyo_enabled", kind=Boolean()),
        *_SHOP_OPTIONAL,
        Field(name="language", kind=Choice(values=LANGUAGES)),
        Field(name="go_live_at", kind=DateTime()),
    ),
    partial=True,
)
SETTINGS_PARTS = {
    "carriers": Model(fields=(Field(name="shipment_updates", kind=Boolean()),), partial=True),
    "triggers": Model(
        fields=(Field(name="klaviyo", kind=Boolean()), Field(name="shopify", kind=Boolean())),
        partial=True,
    ),
    "segments": Model(
        fields=(Field(name="klaviyo", kind=Boolean()), Field(name="shopify", kind=Boolean())),
        partial=True,
    ),
}
"""The three sub-objects of the current settings shape (spec §2.5), each updatable alone."""
SETTINGS = Model(
    fields=tuple(Field(name=name, kind=part) for name, part in SETTINGS_PARTS.items()),
    partial=True,
)
TRACKPAGES = Model(
    fields=(
        Field(name="version", kind=Integer(), required=True),
        Field(name="data", kind=Free(), required=True),
    )
)
KEY_BODIES = {
    "klaviyo": Model(fields=(Field(name="api_key", kind=Text(min_length=1), required=True),)),
    "shopify": Model(fields=(Field(name="api_key", kind=Text(min_length=1), required=True),)),
    "shopware": Model(
        fields=(
            Field(name="client_id", kind=Text(min_length=1), required=True),
            Field(name="client_secret", kind=Text()),
        )
    ),
}

# -- campaigns, discounts, announcements (§2.6-2.8) ------------------------------------------

CAMPAIGN = Model(
    fields=(
        Field(name="name", kind=Text(min_length=1), required=True),
        Field(name="segment", kind=Text(min_length=1), required=True),
        # Any text here: an unknown type is Karla's keyed 422 `campaign_type_invalid`.
        Field(name="promotion_type", kind=Text(), required=True),
        Field(name="promotion_properties", kind=Free(), required=True),
        Field(name="enabled", kind=Boolean(), default=lambda: False),
        Field(name="start_date", kind=DateTime(), default=KarlaState.now),
        Field(name="end_date", kind=DateTime()),
        Field(name="discount_id", kind=Uuid()),
    )
)
_DISCOUNT_FIELDS = (
    Field(name="code", kind=Text()),
    Field(name="title", kind=Text()),
    Field(name="value_type", kind=Choice(values=("percentage", "fixed_amount"))),
    Field(name="value", kind=Number()),
    Field(name="target_type", kind=Choice(values=("line_item", "shipping_line"))),
    Field(name="target_selection", kind=Choice(values=("all", "group", "specific"))),
)
DISCOUNT = Model(
    fields=(
        Field(name="type", kind=Choice(values=("product", "order", "shipping")), required=True),
        *_DISCOUNT_FIELDS,
    )
)
DISCOUNT_UPDATE = Model(fields=_DISCOUNT_FIELDS, partial=True)
ANNOUNCEMENT = Model(
    fields=(
        Field(name="text", kind=Text(min_length=1), required=True),
        Field(name="language", kind=Choice(values=LANGUAGES), required=True),
    )
)
ANNOUNCEMENT_UPDATE = Model(
    fields=(
        Field(name="text", kind=Text(min_length=1)),
        Field(name="language", kind=Choice(values=LANGUAGES)),
    ),
    partial=True,
)

# -- webhooks (§2.9) and claims (§2.10) -----------------------------------------------------------

_WEBHOOK_STATUS = Choice(values=("active", "inactive"))
WEBHOOK_CREATE = Model(
    fields=(
        # "string (uri), 1-65536 chars" (spec §2.9): pydantic's `AnyUrl` with a max length.
        Field(name="url", kind=Url(max_length=65536), required=True),
        Field(name="enabled_events", kind=ListOf(item=Text()), default=lambda: ["*"]),
        Field(name="secret", kind=Text(min_length=16, max_length=64)),
        Field(name="description", kind=Text()),
        Field(name="status", kind=_WEBHOOK_STATUS, default=lambda: "active"),
    )
)
WEBHOOK_UPDATE = Model(
    fields=(
        Field(name="url", kind=Url(max_length=65536)),
        Field(name="enabled_events", kind=ListOf(item=Text())),
        Field(name="description", kind=Text()),
        Field(name="status", kind=_WEBHOOK_STATUS),
    ),
    partial=True,
)
_CLAIM_ITEM = Model(
    fields=(
        Field(name="sku", kind=Text()),
        Field(name="title", kind=Text()),
        Field(name="quantity", kind=Integer(), required=True),
        Field(name="net_price", kind=Number()),
        Field(name="image_urls", kind=ListOf(item=Text())),
    )
)
_RESOLUTION = Choice(values=("reorder", "refund"))
_CLAIM_STATUS = Choice(values=("pending", "accepted", "rejected", "closed"))
CLAIM = Model(
    fields=(
        Field(
            name="reason",
            kind=Choice(values=("partial_damage", "damage", "investigation", "support", "return")),
            required=True,
        ),
        Field(name="shipment_id", kind=Uuid()),
        Field(name="tracking_number", kind=Text(min_length=1)),
        Field(name="resolution_preference", kind=_RESOLUTION),
        Field(name="status", kind=_CLAIM_STATUS, default=lambda: "pending"),
        Field(name="description", kind=Text()),
        Field(name="customer_signature_image_url", kind=Text()),
        Field(name="selected_items", kind=ListOf(item=_CLAIM_ITEM), default=_list),
        Field(name="damaged_product_items", kind=ListOf(item=_CLAIM_ITEM), default=_list),
        Field(name="image_urls", kind=ListOf(item=Text()), default=_list),
        Field(name="dropoff_permission", kind=Boolean()),
    )
)
CLAIM_UPDATE = Model(
    fields=(
        Field(name="resolution_preference", kind=_RESOLUTION),
        Field(name="status", kind=_CLAIM_STATUS),
    ),
    partial=True,
)


# -- the catalogue, org members, Shopify webhooks (§2.11) -----------------------------------------

_VARIANT_DETAILS = (
    *text_fields("title", "variant_title"),
    Field(name="price", kind=Number()),
    *text_fields("sku", "product_url", "image_url"),
    Field(
        name="translations",
        kind=DictOf(value=Model(fields=(Field(name="title", kind=Text(), required=True),))),
    ),
)
VARIANT_DETAILS = Model(fields=_VARIANT_DETAILS)
"""The body of ``PUT /products/{product_id}/variants/{variant_id}``: the ids are in the path."""
PRODUCT_VARIANT = Model(
    fields=(
        # Only the ids are required: the Shopware plugin sends null for what it cannot fill.
        Field(name="product_id", kind=Text(min_length=1), required=True),
        Field(name="variant_id", kind=Text(min_length=1), required=True),
        *_VARIANT_DETAILS,
    )
)
"""An item of ``POST /products``."""
SHOPIFY_WEBHOOK_TYPES = (
    "order_creation",
    "order_fulfillment",
    "order_partial_fulfillment",
    "order_update",
    "order_fulfillment_update",
)
SHOPIFY_WEBHOOK_CREATE = Model(
    fields=(Field(name="webhook_type", kind=Choice(values=SHOPIFY_WEBHOOK_TYPES), required=True),)
)
