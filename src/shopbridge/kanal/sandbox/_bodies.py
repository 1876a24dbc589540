"""The response bodies of Kanal's upserts (spec §3.3, 3.5, 3.7, 3.9), from a stored record.

Each body is what Kanal's API resource shows, not what was sent: amounts through Laravel's
``decimal:2`` cast, times in UTC (`shopbridge.kanal.sandbox._laravel`), ``tags`` always a list,
and only the fields the docs list (a customer's body has no ``phone``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shopbridge.kanal.sandbox import _laravel as laravel

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["render_checkout", "render_customer", "render_order", "render_shipment"]


def _integer(value: Any) -> int | None:
    # Validated as an integer already: 7, 7.0 or "7".
    if value is None:
        return None
    return int(value) if isinstance(value, int | str) else int(float(value))


def _tags(data: Mapping[str, Any]) -> list[Any]:
    return list(data.get("tags") or [])


def render_order(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /orders`` and ``PATCH /orders/{external_id}`` (spec §3.3, §3.4)."""
    return {
        "external_id": data["external_id"],
        "store_id": store_id,
        "total_price": laravel.decimal_2(data["total_price"]),
        "currency": data.get("currency"),
        "financial_status": data.get("financial_status"),
        "fulfillment_status": data.get("fulfillment_status"),
        "tags": _tags(data),
        "created_at": laravel.iso_timestamp(data["placed_at"]),
    }


def render_checkout(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /checkouts`` and ``PATCH /checkouts/{external_id}`` (spec §3.5, §3.6)."""
    return {
        "external_id": data["external_id"],
        "store_id": store_id,
        "status": data["status"],
        "total_price": laravel.decimal_2(data["total_price"]),
        "currency": data.get("currency"),
        "recovery_url": data.get("recovery_url"),
        "tags": _tags(data),
        "created_at": laravel.iso_timestamp(data["abandoned_at"]),
    }


def render_customer(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /customers`` (spec §3.7): no ``phone``."""
    return {
        "external_id": data.get("external_id"),
        "store_id": store_id,
        "first_name": data.get("first_name"),
        "last_name": data.get("last_name"),
        "email": data.get("email"),
        "locale": data.get("locale"),
        "tags": _tags(data),
        "lifetime_value": _integer(data.get("lifetime_value")),
        "orders_count": _integer(data.get("orders_count")),
    }


def render_shipment(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /shipments`` (spec §3.9), with the linked order's internal id."""
    return {
        "external_id": data["external_id"],
        "store_id": store_id,
        "order_id": data.get("order_id"),
        "tracking_number": data.get("tracking_number"),
        "tracking_url": data.get("tracking_url"),
        "carrier": data.get("carrier"),
        "status": data.get("status"),
    }
