"""Karla's order read models, shipment events and order checks, for the sandbox's handlers.

The read models are ``OrderDetailDTO`` (an order, its shipments as ``trackings``) and
``TrackingDTO`` (a shipment), spec §2.2. The checks are the business ones that answer a keyed
422 after schema validation: ``zip_code_invalid`` (a postcode of the form of its
``country_code``, or of any form: 2-10 letters, digits, spaces or hyphens with a digit) and
``carrier_reference_invalid`` (not of the form of a Karla carrier code).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from shopbridge.karla.sandbox._models import CARRIER_REFERENCE
from shopbridge.karla.sandbox._schema import Uuid
from shopbridge.karla.sandbox._state import Event, KarlaState
from shopbridge.karla.sandbox._wire import KarlaError, Loc, RequestValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "PHASES",
    "STATES",
    "carrier_errors",
    "check_upsert",
    "customer_of",
    "emit_shipment_event",
    "new_event",
    "render_order",
    "render_tracking",
    "shop_uuid",
    "zip_errors",
]

_ZIP_ANY = re.compile(r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9 -]{0,8}[A-Za-z0-9]")
_ZIP_BY_COUNTRY = {
    country: re.compile(pattern)
    for countries, pattern in (
        (("AT", "BE", "CH", "DK", "NO", "LU", "HU"), r"[0-9]{4}"),
        (("DE", "ES", "FR", "IT", "FI", "HR"), r"[0-9]{5}"),
        (("SE",), r"[0-9]{3} ?[0-9]{2}"),
        (("NL",), r"[0-9]{4} ?[A-Za-z]{2}"),
        (("PL",), r"[0-9]{2}-[0-9]{3}"),
        (("PT",), r"[0-9]{4}-[0-9]{3}"),
        (("US",), r"[0-9]{5}(-[0-9]{4})?"),
        (("GB",), r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}"),
    )
    for country in countries
}
"""Postcode forms by country; other countries get `_ZIP_ANY` (2-10 letters, digits, spaces or
hyphens, with at least one digit)."""

_DETAIL_OMITS = frozenset({"user_agent", "order_analytics", "expected_number_of_shipments"})
"""OrderPlacement fields that the read model (``OrderDetailDTO``) does not show."""

PHASES = {
    "ORDER_CREATED": "order_created",
    "ORDER_IN_PROCESSING": "order_processed",
    "ORDER_PROCESSED": "order_processed",
    "ORDER_CANCELLED": "order_processed",
    "IN_TRANSIT": "in_transit",
    "OUT_FOR_DELIVERY": "in_delivery",
    "DELIVERY_ATTEMPTED": "in_delivery",
    "READY_FOR_COLLECTION": "collect",
    "SUCCESSFULLY_DELIVERED": "delivered",
    "DELIVERED": "delivered",
    "DELIVERY_FAILED": "delivery_failed",
    "RETURN_CREATED": "return_created",
    "RETURN_IN_TRANSIT": "return_transit",
    "RETURN_RECEIVED": "return_received",
    "RETURNED": "returned",
}
"""The phase of an event name (PhaseEnum, spec §2.11); unknown names are ``in_transit``."""

STATES = {
    "order_created": "pending",
    "order_processed": "pending",
    "collect": "collect",
    "delivered": "delivered",
    "return_received": "returned",
    "returned": "returned",
}
"""A shipment's ``state`` after an event of that phase; any other phase is ``transit``."""


# -- rendering: the read models --------------------------------------------------------------


def shop_uuid(state: KarlaState, shop: str) -> str | None:
    """The shop's Karla UUID (the ``merchant_id`` and ``shop_id`` of other resources)."""
    found = state.live(shop, "shop", shop)
    return None if found is None else found.get("uuid")


def render_tracking(shop: str, shipment: Mapping[str, Any]) -> dict[str, Any]:
    """A shipment as ``TrackingDTO`` (spec §2.2)."""
    return {
        "id": shipment["id"],
        "merchant_id": shipment["merchant_id"],
        "merchant_slug": shop,
        "order_id": shipment["order_id"],
        "order_number": shipment["order_number"],
        "events": list(shipment["events"]),
        "estimated_arrival": None,
        "carrier": dict(shipment["carrier"]),
        "state": shipment["state"],
        "flag": "normal",
        "pickup": None,
        "updated_at": shipment["updated_at"],
        "products": list(shipment["products"]),
    }


def render_order(state: KarlaState, shop: str, order: Mapping[str, Any]) -> dict[str, Any]:
    """An order as ``OrderDetailDTO``, with its shipments as ``trackings``."""
    fields = {name: value for name, value in order.items() if name not in _DETAIL_OMITS}
    shipments = state.shipments_of(shop, order["uuid"])
    return {
        **fields,
        "merchant_slug": shop,
        "trackings": [render_tracking(shop, shipment) for shipment in shipments],
    }


def customer_of(order: Mapping[str, Any]) -> dict[str, Any]:
    """The ``context.customer`` of a webhook event about `order`."""
    name = str((order.get("address") or {}).get("name") or "")
    first, _, last = name.partition(" ")
    return {
        "external_id": order.get("external_customer_id"),
        "email": order.get("email_id"),
        "first_name": first or None,
        "last_name": last or None,
    }


def emit_shipment_event(
    state: KarlaState,
    shop: str,
    *,
    order: Mapping[str, Any],
    shipment: Mapping[str, Any] | None,
    name: str,
    phase: str,
) -> None:
    carrier = shipment["carrier"] if shipment is not None else {}
    detail = render_order(state, shop, order)
    state.emit(
        shop,
        Event(
            source="shipments",
            ref=f"shipments/{phase}/{name}",
            event_group=f"shipment_{phase}",
            event_data={
                "shipment_id": shipment["id"] if shipment is not None else None,
                "carrier_reference": carrier.get("carrier_reference"),
                "event_name": name,
                "phase": phase,
                "tracking_number": carrier.get("tracking_number"),
                "tracking_url": carrier.get("tracking_url"),
                "updated_at": shipment["updated_at"] if shipment is not None else state.now(),
            },
            context={
                "order": detail,
                "customer": customer_of(order),
                "shipments": detail["trackings"],
                "claims": [],
            },
        ),
    )


def new_event(name: str, time: str, external_id: str | None, phase: str) -> dict[str, Any]:
    words = name.replace("_", " ").capitalize()
    return {
        "event_key": name,
        "external_id": external_id,
        "time": time,
        "timezone": "UTC",
        "location": {},
        "additional_info": {},
        "phase": phase,
        "event_strings": {
            "event_status": words,
            "list_label": words,
            "header_headline": words,
            "header_title": words,
            "header_subtitle": "",
        },
        "language": "en",
    }


# -- the business checks -----------------------------------------------------------------------


def zip_errors(address: Mapping[str, Any], loc: Loc) -> list[dict[str, Any]]:
    zip_code = address.get("zip_code")
    if zip_code is None:
        return []
    country = str(address.get("country_code") or "").strip().upper()
    pattern = _ZIP_BY_COUNTRY.get(country, _ZIP_ANY)
    if pattern.fullmatch(str(zip_code).strip()):
        return []
    where = [*loc, "address", "zip_code"]
    return [{"loc": where, "msg": "invalid zip code", "type": "value_error", "field": "zip_code"}]


def carrier_errors(trackings: list[Mapping[str, Any]], loc: Loc) -> list[dict[str, Any]]:
    errors = []
    for index, tracking in enumerate(trackings):
        reference = tracking.get("carrier_reference")
        if reference is not None and CARRIER_REFERENCE.fullmatch(reference) is None:
            errors.append(
                {
                    "loc": [*loc, "trackings", index, "carrier_reference"],
                    "msg": f"unknown carrier reference {reference!r}",
                    "type": "value_error",
                    "field": "carrier_reference",
                }
            )
    return errors


def check_upsert(item: Mapping[str, Any], loc: Loc) -> None:
    """Raise the keyed 422 of an upsert item, zip codes first."""
    if item["order"] is not None:
        bad_zip = zip_errors(item["order"]["address"], (*loc, "order"))
        if bad_zip:
            raise KarlaError("zip_code_invalid", errors=bad_zip)
    bad_carrier = carrier_errors(item["trackings"], loc)
    if bad_carrier:
        raise KarlaError("carrier_reference_invalid", errors=bad_carrier)
    if item["id_type"] == "uuid":
        errors: list[dict[str, Any]] = []
        Uuid().check(item["id"], (*loc, "id"), errors)
        if errors:
            raise RequestValidationError(errors)
