"""Karla's request shapes as data, checked before sending with FastAPI's paths and wording. Pure.

A request body is checked in its JSON form (what the client would send) against a `Schema`:
every error is collected, keyed by the dot path FastAPI's ``loc`` would give
(``order.address.zip_code``, ``trackings.0.tracking_number``), with pydantic's message
(``Field required``, ``Input should be a valid string``). These are the same paths and the same
form `shopbridge.karla._table.parse_error` reads from a 422, so an error found before sending
and one Karla answers look alike. Unknown fields are refused by default: FastAPI ignores them,
so a misspelt field would be lost without a word.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
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
    "SEGMENT_SETTINGS",
    "SETTINGS",
    "SHIPMENT_EVENT",
    "SHOPWARE_CREDENTIALS",
    "SHOP_CREATE",
    "SHOP_UPDATE",
    "TRACKPAGES",
    "TRIGGER_SETTINGS",
    "WEBHOOK_CREATE",
    "WEBHOOK_UPDATE",
    "Kind",
    "Schema",
    "Spec",
    "validate",
    "validate_many",
]


class Kind(enum.Enum):
    """The JSON type a value must have."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    UUID = "uuid"
    CHOICE = "choice"
    OBJECT = "object"
    LIST = "list"


@frozen(kw_only=True)
class Spec:
    """One field's rules.

    Attributes:
        kind: the JSON type.
        required: must be present (and not null).
        choices: the allowed values of a `Kind.CHOICE`.
        fields: the known fields of a `Kind.OBJECT`; ``None`` for a free-form object.
        item: the rules of each item of a `Kind.LIST`.
        min_length: the shortest string allowed.
        max_length: the longest string allowed.
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


_NUM = Spec(kind=Kind.NUMBER)
_INT = Spec(kind=Kind.INTEGER)
_BOOL = Spec(kind=Kind.BOOLEAN)
_TIME = Spec(kind=Kind.DATETIME)
_UUID = Spec(kind=Kind.UUID)
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
} | {"country_code": _s(min_length=2, max_length=2)}
ADDRESS: Schema = _ADDRESS_FIELDS
ADDRESS_WITH_ZIP: Schema = _ADDRESS_FIELDS | {"zip_code": _req()}

PRODUCT: Schema = {
    "title": _s(),
    "sku": _s(),
    "quantity": _INT,
    "price": _NUM,
    "size": _s(),
    "weight": _NUM,
    "images": _list(_obj({"src": _req(), "alt": _s()})),
    "tax_lines": _list(_FREE),
    "bundled_products": _list(_FREE),
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
    "currency": _s(min_length=3, max_length=3),
    "segments": _STRINGS,
    "weight": _NUM,
    "user_agent": _s(),
    "order_analytics": _FREE,
    "expected_number_of_shipments": _INT,
    "external_customer_id": _s(),
}
ORDER_TRACKING: Schema = {
    "tracking_number": _req(min_length=1),
    "tracking_url": _s(),
    "tracking_placed_at": _TIME,
    "carrier_reference": _s(),
    "external_shipment_id": _s(),
    "products": _list(_obj(PRODUCT)),
}
ORDER_UPSERT: Schema = {
    "id": _req(min_length=1),
    "id_type": _choice("uuid", "external_id", "order_name", "order_number"),
    "order": _obj(ORDER_PLACEMENT),
    "trackings": _list(_obj(ORDER_TRACKING), required=True),
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
} | _SHOP_OPTIONAL
SHOP_UPDATE: Schema = {
    "name": _s(),
    "klaviyo_enabled": _BOOL,
    "language": _s(),
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
    "url": _req(min_length=1, max_length=65536),
    "enabled_events": _STRINGS,
    "secret": _s(min_length=16, max_length=64),
    "description": _s(),
    "status": _WEBHOOK_STATUS,
}
WEBHOOK_UPDATE: Schema = {
    "url": _s(min_length=1, max_length=65536),
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
SETTINGS: Schema = {"carriers": _FREE, "triggers": _FREE, "segments": _FREE}
CARRIER_SETTINGS: Schema = {"shipment_updates": _req(Kind.BOOLEAN)}
TRIGGER_SETTINGS: Schema = {"klaviyo": _BOOL, "shopify": _BOOL}
SEGMENT_SETTINGS: Schema = {"klaviyo": _BOOL, "shopify": _BOOL}
TRACKPAGES: Schema = {"version": _req(Kind.INTEGER), "data": _obj(required=True)}
API_KEY: Schema = {"api_key": _req(min_length=1)}
SHOPWARE_CREDENTIALS: Schema = {"client_id": _req(min_length=1), "client_secret": _s()}


def _choices_text(choices: tuple[str, ...]) -> str:
    quoted = [f"'{choice}'" for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _is_uuid(value: Any) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _type_error(spec: Spec, value: Any) -> str | None:  # noqa: PLR0911 - one return per kind
    kind = spec.kind
    if kind is Kind.STRING:
        return None if isinstance(value, str) else "Input should be a valid string"
    if kind is Kind.INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "Input should be a valid integer"
    if kind is Kind.NUMBER:
        return None if _is_number(value) else "Input should be a valid number"
    if kind is Kind.BOOLEAN:
        return None if isinstance(value, bool) else "Input should be a valid boolean"
    if kind is Kind.DATETIME:
        return None if _is_datetime(value) else "Input should be a valid datetime"
    if kind is Kind.UUID:
        return None if _is_uuid(value) else "Input should be a valid UUID"
    if kind is Kind.CHOICE:
        ok = isinstance(value, str) and value in spec.choices
        return None if ok else f"Input should be {_choices_text(spec.choices)}"
    if kind is Kind.LIST:
        return None if isinstance(value, list | tuple) else "Input should be a valid list"
    return None if isinstance(value, Mapping) else "Input should be a valid dictionary"


def _length_error(spec: Spec, value: str) -> str | None:
    low, high = spec.min_length, spec.max_length
    if low is not None and len(value) < low:
        unit = "character" if low == 1 else "characters"
        return f"String should have at least {low} {unit}"
    if high is not None and len(value) > high:
        return f"String should have at most {high} characters"
    return None


def _check_value(
    spec: Spec, value: Any, path: str, errors: dict[str, list[str]], *, reject_unknown: bool
) -> None:
    problem = _type_error(spec, value)
    if problem is None and spec.kind is Kind.STRING:
        problem = _length_error(spec, value)
    if problem is not None:
        errors.setdefault(path, []).append(problem)
        return
    if spec.kind is Kind.OBJECT and spec.fields is not None:
        _check_object(spec.fields, value, path, errors, reject_unknown=reject_unknown)
    elif spec.kind is Kind.LIST and spec.item is not None:
        for index, item in enumerate(value):
            _check_value(spec.item, item, f"{path}.{index}", errors, reject_unknown=reject_unknown)


def _check_object(
    schema: Schema,
    data: Mapping[str, Any],
    prefix: str,
    errors: dict[str, list[str]],
    *,
    reject_unknown: bool,
) -> None:
    for name, spec in schema.items():
        path = f"{prefix}.{name}" if prefix else name
        value = data.get(name)
        if value is None:
            if spec.required:
                errors.setdefault(path, []).append("Field required")
            continue
        _check_value(spec, value, path, errors, reject_unknown=reject_unknown)
    if reject_unknown:
        for name in data:
            if name not in schema:
                path = f"{prefix}.{name}" if prefix else str(name)
                errors.setdefault(path, []).append("Extra inputs are not permitted")


def validate(schema: Schema, data: Any, *, reject_unknown: bool = True) -> dict[str, list[str]]:
    """Every field error of a JSON object, keyed by dot path; empty when it is valid.

    Args:
        schema: the body's fields.
        data: the body in its JSON form.
        reject_unknown: refuse fields the schema does not know (FastAPI would drop them).
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        errors[""] = ["Input should be a valid dictionary"]
        return errors
    _check_object(schema, data, "", errors, reject_unknown=reject_unknown)
    return errors


def validate_many(
    schema: Schema, data: Any, *, reject_unknown: bool = True
) -> dict[str, list[str]]:
    """`validate` for a list body (``PUT /orders/bulk``): each item's paths start with its index."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, list | tuple):
        errors[""] = ["Input should be a valid list"]
        return errors
    for index, item in enumerate(data):
        for path, messages in validate(schema, item, reject_unknown=reject_unknown).items():
            errors[f"{index}.{path}" if path else str(index)] = messages
    return errors
