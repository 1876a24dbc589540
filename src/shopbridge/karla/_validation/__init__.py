"""Karla's request bodies, checked before sending as FastAPI (pydantic v2, lax mode) would.

A body is checked in its JSON form (what the client would send) against a `Schema`: every
error is collected, keyed by the dot path FastAPI's ``loc`` would give
(``order.address.zip_code``), with pydantic's message. The body is sent as it was given: FastAPI
coerces on its side. These are the same paths and the same form
`shopbridge.karla._table.parse_error` reads from a 422, so an error found before sending and one
Karla answers look alike. Unknown fields are refused by default: FastAPI ignores them, so a
misspelt field would be lost without a word.

One module per job:

``schemas``   the shapes as data: each field's `Spec`, each body's `Schema`
``checks``    the reference reading of a schema, field by field, where every message is written
``compiled``  the same reading as generated code, for the usual body (a plain ``dict``)
"""

from __future__ import annotations

from typing import Any

from shopbridge.karla._validation.checks import reference_validate
from shopbridge.karla._validation.compiled import compiled
from shopbridge.karla._validation.schemas import (
    ANNOUNCEMENT_CREATE,
    ANNOUNCEMENT_UPDATE,
    API_KEY,
    CAMPAIGN,
    CARRIER_SETTINGS,
    CLAIM_CREATE,
    CLAIM_UPDATE,
    DISCOUNT_CREATE,
    DISCOUNT_UPDATE,
    ORDER_PLACEMENT,
    ORDER_SHIPMENT_UPDATE,
    ORDER_UPDATE,
    ORDER_UPSERT,
    PRODUCT_VARIANT,
    SEGMENT_SETTINGS,
    SETTINGS,
    SHIPMENT_EVENT,
    SHOP_CREATE,
    SHOP_UPDATE,
    SHOPIFY_WEBHOOK_CREATE,
    SHOPWARE_CREDENTIALS,
    TRACKPAGES,
    TRIGGER_SETTINGS,
    VARIANT_DETAILS,
    WEBHOOK_CREATE,
    WEBHOOK_UPDATE,
    Kind,
    Schema,
    Spec,
)

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
    "validate",
    "validate_many",
]


def validate(schema: Schema, data: Any, *, reject_unknown: bool = True) -> dict[str, list[str]]:
    """Every field error of a JSON object, keyed by dot path; empty when it is valid.

    Args:
        schema: the body's fields.
        data: the body in its JSON form.
        reject_unknown: refuse fields the schema does not know (FastAPI would drop them).
    """
    if type(data) is dict:  # the usual body: the compiled reading
        errors: dict[str, list[str]] = {}
        compiled(schema)(data, "", errors, reject_unknown)
        return errors
    return reference_validate(schema, data, reject_unknown=reject_unknown)


def validate_many(
    schema: Schema, data: Any, *, reject_unknown: bool = True
) -> dict[str, list[str]]:
    """`validate` for a list body (``PUT /orders/bulk``, ``POST /products``): indexed paths."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, list | tuple):
        errors[""] = ["Input should be a valid list"]
        return errors
    for index, item in enumerate(data):
        for path, messages in validate(schema, item, reject_unknown=reject_unknown).items():
            errors[f"{index}.{path}" if path else str(index)] = messages
    return errors
