"""Karla's request shapes as data: each field's `Spec`, each body's `Schema`, by wire name.

The shapes of the API reference (spec §2), in pydantic's terms: a field is required or
``X | None`` (null is its default), of one JSON `Kind`, with its choices or length limits; an
object's fields are a `Schema` of their own. `shopbridge.karla._validation.checks` reads them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, TypeAlias

from attrs import frozen

__all__ = [
    "ANNOUNCEMENT_CREATE",
    "ANNOUNCEMENT_UPDATE",
    "API_KEY",
    "CAMPAIGN",
    "CARRIER_SETTINGS",
    "CLAIM_CREATE",
    "CLAIM_UPDATE",
    "DISCOUNT_CREATE",
    "DISCOUNT_UPDATE",
    "ORDER_PLACEMENT",
    "ORDER_SHIPMENT_UPDATE",
    "ORDER_UPDATE",
    "ORDER_UPSERT",
    "PRODUCT_VARIANT",
    "SEGMENT_SETTINGS",
    "SETTINGS",
    "SHIPMENT_EVENT",
    "SHOPIFY_WEBHOOK_CREATE",
    "SHOPWARE_CREDENTIALS",
    "SHOP_CREATE",
    "SHOP_UPDATE",
    "TRACKPAGES",
    "TRIGGER_SETTINGS",
    "VARIANT_DETAILS",
    "WEBHOOK_CREATE",
    "WEBHOOK_UPDATE",
    "Kind",
    "Schema",
    "Spec",
]


class Kind(enum.Enum):
    """The JSON type a value must have."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    UUID = "uuid"
    URL = "url"
    CHOICE = "choice"
    OBJECT = "object"
    LIST = "list"
    MAP = "map"


@frozen(kw_only=True)
class Spec:
    """One field's rules.

    Attributes:
        kind: the JSON type.
        required: must be present (and not null).
        choices: the allowed values of a `Kind.CHOICE`.
        fields: the known fields of a `Kind.OBJECT`; ``None`` for a free-form object.
        item: the rules of each item of a `Kind.LIST`, or of each value of a `Kind.MAP`
            (a ``dict[str, ...]``, whose keys are any text).
        min_length: the shortest string allowed.
        max_length: the longest string (or URL) allowed.
    """

    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    fields: Schema | None = None
    item: Spec | None = None
    min_length: int | None = None
    max_length: int | None = None


Schema: TypeAlias = Mapping[str, Spec]
"""The fields of an object, by wire name."""


def _s(**rules: Any) -> Spec:
    return Spec(kind=Kind.STRING, **rules)


def _req(kind: Kind = Kind.STRING, **rules: Any) -> Spec:
    return Spec(kind=kind, required=True, **rules)


def _choice(*values: str, required: bool = False) -> Spec:
    return Spec(kind=Kind.CHOICE, choices=values, required=required)


def _list(item: Spec, *, required: bool = False) -> Spec:
    return Spec(kind=Kind.LIST, item=item, required=required)


def _obj(fields: Schema | None = None, *, required: bool = False) -> Spec:
    return Spec(kind=Kind.OBJECT, fields=fields, required=required)


def _map(item: Spec) -> Spec:
    return Spec(kind=Kind.MAP, item=item)


_NUM = Spec(kind=Kind.NUMBER)
_INT = Spec(kind=Kind.INTEGER)
_BOOL = Spec(kind=Kind.BOOLEAN)
_TIME = Spec(kind=Kind.DATETIME)
_UUID = Spec(kind=Kind.UUID)
_URL = Spec(kind=Kind.URL, max_length=65536)
_FREE = _obj()
_STRINGS = _list(_s())
_LANGUAGES = ("dk", "nl", "en", "fr", "de", "it", "es")
_ADDRESS_FIELDS: dict[str, Spec] = {
    name: _s()
    for name in (
        "zip_code",
        "name",
        "company",
        "street",
        "address_line_1",
        "address_line_2",
        "city",
        "province",
        "province_code",
        "country",
        "phone",
    )
} | {"country_code": _s(min_length=2, max_length=2)}  # "2 letters" (spec §2.2)
ADDRESS: Schema = _ADDRESS_FIELDS
ADDRESS_WITH_ZIP: Schema = _ADDRESS_FIELDS | {"zip_code": _req()}

_BASE_PRODUCT: dict[str, Spec] = {
    "title": _s(),
    "sku": _s(),
    "quantity": _INT,
    "price": _NUM,
    "size": _s(),
    "weight": _NUM,
    "images": _list(_obj({"src": _req(), "alt": _s()})),
    "tax_lines": _list(_obj({"currency": _s(), "price": _NUM, "rate": _NUM, "title": _s()})),
}
PRODUCT: Schema = _BASE_PRODUCT | {
    "bundled_products": _list(_obj(_BASE_PRODUCT)),
    "type": _choice("product", "bundle"),
    "shipment_id": _UUID,
}
ORDER_PLACEMENT: Schema = {
    "order_number": _req(),
    "external_id": _req(),
    "address": _obj(ADDRESS_WITH_ZIP, required=True),
    "order_name": _s(),
    "order_placed_at": _TIME,
    "total_order_price": _NUM,
    "shipping_price": _NUM,
    "sub_total_price": _NUM,
    "discount_price": _NUM,
    "products": _list(_obj(PRODUCT)),
    "discounts": _list(_obj({"code": _req(), "amount": _s(), "type": _s()})),
    "email_id": _s(),
    "currency": _s(),
    "segments": _STRINGS,
    "weight": _NUM,
    "user_agent": _s(),
    "order_analytics": _FREE,
    "expected_number_of_shipments": _INT,
    "external_customer_id": _s(),
}
ORDER_TRACKING: Schema = {
    "tracking_number": _req(),
    "tracking_url": _s(),
    "tracking_placed_at": _TIME,
    "carrier_reference": _s(),
    "external_shipment_id": _s(),
    "products": _list(_obj(PRODUCT)),
}
ORDER_UPSERT: Schema = {
    "id": _req(),
    "id_type": _choice("uuid", "external_id", "order_name", "order_number"),
    "order": _obj(ORDER_PLACEMENT),
    "trackings": _list(_obj(ORDER_TRACKING), required=True),
    # The Shopware plugin sends it here rather than inside `order` (spec §2.2).
    "order_analytics": _FREE,
}
ORDER_UPDATE: Schema = {"address": _obj(ADDRESS), "expected_number_of_shipments": _INT}
ORDER_SHIPMENT_UPDATE: Schema = {"tracking_url": _s(), "products": _list(_obj(PRODUCT))}
SHIPMENT_EVENT: Schema = {
    "event_name": _req(min_length=1),
    "event_time": _req(Kind.DATETIME),
    "external_id": _req(min_length=1),
}
_SHOP_OPTIONAL: dict[str, Spec] = {
    "description": _s(),
    "shop_provider": _choice("shopware", "shopify"),
    "shop_admin_url": _s(),
    "shop_faq_url": _s(),
    "shop_service_url": _s(),
    "shop_url": _s(),
    "logo_url": _s(),
    "web_tracking_enabled": _BOOL,
}
SHOP_CREATE: Schema = {
    "name": _req(min_length=1),
    "slug": _req(min_length=1),
    "organization": _req(min_length=1),
    "klaviyo_enabled": _req(Kind.BOOLEAN),
    "language": _choice(*_LANGUAGES),
} | _SHOP_OPTIONAL
SHOP_UPDATE: Schema = {
    "name": _s(min_length=1),
    "organization": _s(min_length=1),
    "klaviyo_enabled": _BOOL,
    "language": _choice(*_LANGUAGES),
    "go_live_at": _TIME,
} | _SHOP_OPTIONAL
CAMPAIGN: Schema = {
    "name": _req(min_length=1),
    "segment": _req(min_length=1),
    "promotion_type": _req(),  # Karla's own check answers 422 campaign_type_invalid
    "promotion_properties": _obj(required=True),
    "enabled": _BOOL,
    "start_date": _TIME,
    "end_date": _TIME,
    "discount_id": _UUID,
}
_DISCOUNT_FIELDS: dict[str, Spec] = {
    "code": _s(),
    "title": _s(),
    "value_type": _choice("percentage", "fixed_amount"),
    "value": _NUM,
    "target_type": _choice("line_item", "shipping_line"),
    "target_selection": _choice("all", "group", "specific"),
}
DISCOUNT_CREATE: Schema = {
    "type": _choice("product", "order", "shipping", required=True)
} | _DISCOUNT_FIELDS
DISCOUNT_UPDATE: Schema = _DISCOUNT_FIELDS
ANNOUNCEMENT_CREATE: Schema = {
    "text": _req(min_length=1),
    "language": _choice(*_LANGUAGES, required=True),
}
ANNOUNCEMENT_UPDATE: Schema = {"text": _s(min_length=1), "language": _choice(*_LANGUAGES)}
_WEBHOOK_STATUS = _choice("active", "inactive")
WEBHOOK_CREATE: Schema = {
    "url": Spec(kind=Kind.URL, required=True, max_length=65536),  # "string (uri), 1-65536 chars"
    "enabled_events": _STRINGS,
    "secret": _s(min_length=16, max_length=64),
    "description": _s(),
    "status": _WEBHOOK_STATUS,
}
WEBHOOK_UPDATE: Schema = {
    "url": _URL,
    "enabled_events": _STRINGS,
    "description": _s(),
    "status": _WEBHOOK_STATUS,
}
_RESOLUTION = _choice("reorder", "refund")
_CLAIM_STATUS = _choice("pending", "accepted", "rejected", "closed")
CLAIM_ITEM: Schema = {
    "quantity": _req(Kind.INTEGER),
    "sku": _s(),
    "title": _s(),
    "net_price": _NUM,
    "image_urls": _STRINGS,
}
CLAIM_CREATE: Schema = {
    "reason": _choice(
        "partial_damage", "damage", "investigation", "support", "return", required=True
    ),
    "shipment_id": _UUID,
    "tracking_number": _s(min_length=1),  # instead of a shipment_id (spec §2.10)
    "resolution_preference": _RESOLUTION,
    "status": _CLAIM_STATUS,
    "description": _s(),
    "customer_signature_image_url": _s(),
    "selected_items": _list(_obj(CLAIM_ITEM)),
    "damaged_product_items": _list(_obj(CLAIM_ITEM)),
    "image_urls": _STRINGS,
    "dropoff_permission": _BOOL,
}
CLAIM_UPDATE: Schema = {"resolution_preference": _RESOLUTION, "status": _CLAIM_STATUS}
# The catalogue (spec §2.11, from the Shopware plugin): only the ids are required, since the
# plugin sends null for what it cannot fill; an empty id could never be addressed again.
_VARIANT_DETAILS: dict[str, Spec] = {
    "title": _s(),
    "variant_title": _s(),
    "price": _NUM,
    "sku": _s(),
    "product_url": _s(),
    "image_url": _s(),
    "translations": _map(_obj({"title": _req()})),
}
VARIANT_DETAILS: Schema = _VARIANT_DETAILS
PRODUCT_VARIANT: Schema = {
    "product_id": _req(min_length=1),
    "variant_id": _req(min_length=1),
} | _VARIANT_DETAILS
SHOPIFY_WEBHOOK_CREATE: Schema = {
    "webhook_type": _choice(
        "order_creation",
        "order_fulfillment",
        "order_partial_fulfillment",
        "order_update",
        "order_fulfillment_update",
        required=True,
    )
}
CARRIER_SETTINGS: Schema = {"shipment_updates": _BOOL}
TRIGGER_SETTINGS: Schema = {"klaviyo": _BOOL, "shopify": _BOOL}
SEGMENT_SETTINGS: Schema = {"klaviyo": _BOOL, "shopify": _BOOL}
SETTINGS: Schema = {
    "carriers": _obj(CARRIER_SETTINGS),
    "triggers": _obj(TRIGGER_SETTINGS),
    "segments": _obj(SEGMENT_SETTINGS),
}
TRACKPAGES: Schema = {"version": _req(Kind.INTEGER), "data": _obj(required=True)}
API_KEY: Schema = {"api_key": _req(min_length=1)}
SHOPWARE_CREDENTIALS: Schema = {"client_id": _req(min_length=1), "client_secret": _s()}
