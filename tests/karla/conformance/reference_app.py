"""A real FastAPI + pydantic v2 app with the request bodies of ``specs/karla.md`` §2.

It stands in for Karla's server in the conformance suite: it validates each body exactly as
FastAPI does (lax mode, extra fields ignored, every error collected) and answers 200 ``{}`` when
the body passes, so the suite's expected answers come from pydantic itself, never from us. The
models are the spec's DTO tables, written as a FastAPI service would write them: required fields
without a default, optional ones ``X | None = None``, enums as ``StrEnum``, typed nested items,
``country_code`` of 2 characters, a webhook ``url`` that is an ``AnyUrl`` of at most 65536, a
catalogue variant's ``translations`` a ``dict[str, VariantTranslation]``.
"""

from __future__ import annotations

import enum
import inspect
from datetime import datetime  # noqa: TC003 - pydantic reads the annotations at run time
from typing import Annotated, Any
from uuid import UUID  # noqa: TC003 - pydantic reads the annotations at run time

from fastapi import Body, FastAPI
from pydantic import AnyUrl, BaseModel, StringConstraints, UrlConstraints

__all__ = ["app"]

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Url = Annotated[AnyUrl, UrlConstraints(max_length=65536)]


class Language(enum.StrEnum):
    DK = "dk"
    NL = "nl"
    EN = "en"
    FR = "fr"
    DE = "de"
    IT = "it"
    ES = "es"


class IdType(enum.StrEnum):
    UUID = "uuid"
    EXTERNAL_ID = "external_id"
    ORDER_NAME = "order_name"
    ORDER_NUMBER = "order_number"


class ProductType(enum.StrEnum):
    PRODUCT = "product"
    BUNDLE = "bundle"


class Image(BaseModel):
    src: str
    alt: str | None = None


class TaxLine(BaseModel):
    currency: str | None = None
    price: float | None = None
    rate: float | None = None
    title: str | None = None


class BaseProduct(BaseModel):
    title: str | None = None
    quantity: int | None = None
    price: float | None = None
    size: str | None = None
    images: list[Image] | None = None
    sku: str | None = None
    weight: float | None = None
    tax_lines: list[TaxLine] | None = None


class Product(BaseProduct):
    bundled_products: list[BaseProduct] | None = None
    shipment_id: UUID | None = None
    type: ProductType = ProductType.PRODUCT


class Address(BaseModel):
    address_line_1: str | None = None
    address_line_2: str | None = None
    city: str | None = None
    country: str | None = None
    country_code: Annotated[str, StringConstraints(min_length=2, max_length=2)] | None = None
    name: str | None = None
    phone: str | None = None
    province: str | None = None
    province_code: str | None = None
    street: str | None = None
    company: str | None = None
    zip_code: str | None = None


class AddressWithZip(Address):
    zip_code: str


class Discount(BaseModel):
    code: str
    amount: str | None = None
    type: str | None = None


class OrderPlacement(BaseModel):
    order_number: str
    external_id: str
    address: AddressWithZip
    order_name: str | None = None
    order_placed_at: datetime | None = None
    total_order_price: float | None = None
    shipping_price: float | None = None
    sub_total_price: float | None = None
    discount_price: float | None = 0
    products: list[Product] | None = None
    discounts: list[Discount] | None = None
    email_id: str | None = None
    currency: str | None = "EUR"
    segments: list[str] | None = None
    weight: float | None = None
    user_agent: str | None = None
    order_analytics: dict[str, Any] | None = None
    expected_number_of_shipments: int | None = 1
    external_customer_id: str | None = None


class OrderTracking(BaseModel):
    tracking_number: str
    tracking_url: str | None = None
    tracking_placed_at: datetime | None = None
    carrier_reference: str | None = None
    external_shipment_id: str | None = None
    products: list[Product] | None = None


class OrderUpsert(BaseModel):
    id: str
    id_type: IdType | None = IdType.ORDER_NUMBER
    order: OrderPlacement | None = None
    trackings: list[OrderTracking]
    order_analytics: dict[str, Any] | None = None


class OrderUpdate(BaseModel):
    address: Address | None = None
    expected_number_of_shipments: int | None = None


class ShipmentUpdate(BaseModel):
    tracking_url: str | None = None
    products: list[Product] | None = None


class ShipmentEvent(BaseModel):
    event_name: NonEmpty
    event_time: datetime
    external_id: NonEmpty


class ShopProvider(enum.StrEnum):
    SHOPWARE = "shopware"
    SHOPIFY = "shopify"


class ShopOptional(BaseModel):
    description: str | None = None
    shop_admin_url: str | None = None
    shop_faq_url: str | None = None
    shop_service_url: str | None = None
    shop_url: str | None = None
    logo_url: str | None = None
    shop_provider: ShopProvider | None = None
    web_tracking_enabled: bool | None = None


class ShopCreate(ShopOptional):
    name: NonEmpty
    organization: NonEmpty
    klaviyo_enabled: bool
    slug: NonEmpty
    language: Language | None = Language.EN


class ShopUpdate(ShopOptional):
    name: NonEmpty | None = None
    organization: NonEmpty | None = None
    klaviyo_enabled: bool | None = None
    language: Language | None = None
    go_live_at: datetime | None = None


class CarrierSettings(BaseModel):
    shipment_updates: bool | None = None


class ChannelSettings(BaseModel):
    klaviyo: bool | None = None
    shopify: bool | None = None


class Settings(BaseModel):
    carriers: CarrierSettings | None = None
    triggers: ChannelSettings | None = None
    segments: ChannelSettings | None = None


class Trackpages(BaseModel):
    version: int
    data: dict[str, Any]


class ApiKey(BaseModel):
    api_key: NonEmpty


class ShopwareCredentials(BaseModel):
    client_id: NonEmpty
    client_secret: str | None = None


class Campaign(BaseModel):
    name: NonEmpty
    segment: NonEmpty
    promotion_type: str  # an unknown type is Karla's own keyed 422
    promotion_properties: dict[str, Any]
    enabled: bool | None = False
    start_date: datetime | None = None
    end_date: datetime | None = None
    discount_id: UUID | None = None


class DiscountType(enum.StrEnum):
    PRODUCT = "product"
    ORDER = "order"
    SHIPPING = "shipping"


class ValueType(enum.StrEnum):
    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"


class TargetType(enum.StrEnum):
    LINE_ITEM = "line_item"
    SHIPPING_LINE = "shipping_line"


class TargetSelection(enum.StrEnum):
    ALL = "all"
    GROUP = "group"
    SPECIFIC = "specific"


class DiscountUpdate(BaseModel):
    code: str | None = None
    title: str | None = None
    value_type: ValueType | None = None
    value: float | None = None
    target_type: TargetType | None = None
    target_selection: TargetSelection | None = None


class DiscountCreate(DiscountUpdate):
    type: DiscountType


class AnnouncementCreate(BaseModel):
    text: NonEmpty
    language: Language


class AnnouncementUpdate(BaseModel):
    text: NonEmpty | None = None
    language: Language | None = None


class WebhookStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class WebhookCreate(BaseModel):
    url: Url
    enabled_events: list[str] | None = None
    secret: Annotated[str, StringConstraints(min_length=16, max_length=64)] | None = None
    description: str | None = None
    status: WebhookStatus | None = WebhookStatus.ACTIVE


class WebhookUpdate(BaseModel):
    url: Url | None = None
    enabled_events: list[str] | None = None
    description: str | None = None
    status: WebhookStatus | None = None


class Reason(enum.StrEnum):
    PARTIAL_DAMAGE = "partial_damage"
    DAMAGE = "damage"
    INVESTIGATION = "investigation"
    SUPPORT = "support"
    RETURN = "return"


class Resolution(enum.StrEnum):
    REORDER = "reorder"
    REFUND = "refund"


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLOSED = "closed"


class ClaimItem(BaseModel):
    sku: str | None = None
    title: str | None = None
    quantity: int
    net_price: float | None = None
    image_urls: list[str] | None = None


class ClaimUpdate(BaseModel):
    resolution_preference: Resolution | None = None
    status: ClaimStatus | None = None


class ClaimCreate(ClaimUpdate):
    reason: Reason
    shipment_id: UUID | None = None
    tracking_number: NonEmpty | None = None
    description: str | None = None
    customer_signature_image_url: str | None = None
    selected_items: list[ClaimItem] | None = None
    damaged_product_items: list[ClaimItem] | None = None
    image_urls: list[str] | None = None
    dropoff_permission: bool | None = None


class VariantTranslation(BaseModel):
    title: str


class VariantDetails(BaseModel):
    title: str | None = None
    variant_title: str | None = None
    price: float | None = None
    sku: str | None = None
    product_url: str | None = None
    image_url: str | None = None
    translations: dict[str, VariantTranslation] | None = None


class ProductVariant(VariantDetails):
    product_id: NonEmpty
    variant_id: NonEmpty


class ShopifyWebhookType(enum.StrEnum):
    ORDER_CREATION = "order_creation"
    ORDER_FULFILLMENT = "order_fulfillment"
    ORDER_PARTIAL_FULFILLMENT = "order_partial_fulfillment"
    ORDER_UPDATE = "order_update"
    ORDER_FULFILLMENT_UPDATE = "order_fulfillment_update"


class ShopifyWebhookCreate(BaseModel):
    webhook_type: ShopifyWebhookType


app = FastAPI()
_SHOP = "/v1/shops/{slug}"
_ROUTES: tuple[tuple[str, str, Any], ...] = (
    ("POST", f"{_SHOP}/orders", OrderPlacement),
    ("PUT", f"{_SHOP}/orders", OrderUpsert),
    ("PUT", f"{_SHOP}/orders/bulk", list[OrderUpsert]),
    ("PATCH", f"{_SHOP}/orders/{{order_id}}", OrderUpdate),
    ("PATCH", f"{_SHOP}/orders/{{order_id}}/shipments/{{shipment_id}}", ShipmentUpdate),
    ("POST", f"{_SHOP}/shipments/{{shipment_id}}/events", ShipmentEvent),
    ("POST", "/v1/shops", ShopCreate),
    ("PATCH", _SHOP, ShopUpdate),
    ("POST", f"{_SHOP}/settings", Settings),
    ("PUT", f"{_SHOP}/settings/carriers", CarrierSettings),
    ("PUT", f"{_SHOP}/settings/triggers", ChannelSettings),
    ("PUT", f"{_SHOP}/settings/segments", ChannelSettings),
    ("PUT", f"{_SHOP}/settings/trackpages", Trackpages),
    ("PUT", f"{_SHOP}/keys/klaviyo", ApiKey),
    ("PUT", f"{_SHOP}/keys/shopify", ApiKey),
    ("PUT", f"{_SHOP}/keys/shopware", ShopwareCredentials),
    ("POST", f"{_SHOP}/campaigns", Campaign),
    ("PUT", f"{_SHOP}/campaigns/{{uuid}}", Campaign),
    ("POST", f"{_SHOP}/discounts", DiscountCreate),
    ("PATCH", f"{_SHOP}/discounts/{{uuid}}", DiscountUpdate),
    ("POST", f"{_SHOP}/announcements", AnnouncementCreate),
    ("PATCH", f"{_SHOP}/announcements/{{uuid}}", AnnouncementUpdate),
    ("POST", f"{_SHOP}/webhooks", WebhookCreate),
    ("PATCH", f"{_SHOP}/webhooks/{{uuid}}", WebhookUpdate),
    ("POST", f"{_SHOP}/claims", ClaimCreate),
    ("PUT", f"{_SHOP}/claims/{{uuid}}", ClaimUpdate),
    ("POST", f"{_SHOP}/products", list[ProductVariant]),
    ("PUT", f"{_SHOP}/products/{{product_id}}/variants/{{variant_id}}", VariantDetails),
    ("POST", f"{_SHOP}/shopify/webhooks", ShopifyWebhookCreate),
)


def _accept(model: Any) -> Any:
    async def accept(body: Any) -> dict[str, Any]:
        return {}

    # The body's type differs per route: FastAPI reads it from the signature, given here as an
    # object (a string annotation naming a closure variable would not resolve).
    parameter = inspect.Parameter(
        "body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[model, Body()]
    )
    accept.__signature__ = inspect.Signature([parameter])  # type: ignore[attr-defined]
    return accept


for _method, _path, _model in _ROUTES:
    app.add_api_route(_path, _accept(_model), methods=[_method])
