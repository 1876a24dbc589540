"""The seven commerce routes of Kanal (spec §3) and the resource each one writes.

A resource is what the handlers need to know about it: the schema of its ``POST`` (and of its
``PATCH``, for orders and checkouts), the body it answers (`shopbridge.kanal.sandbox._bodies`)
and its 404 message. The schemas are the client's own (`shopbridge.kanal._validation.schemas`),
so the sandbox and the client validate alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from shopbridge._sandbox.routing import Route
from shopbridge.kanal._validation.schemas import (
    CHECKOUT,
    CHECKOUT_UPDATE,
    CUSTOMER,
    ORDER,
    ORDER_UPDATE,
    SHIPMENT,
    Schema,
)
from shopbridge.kanal.sandbox._bodies import (
    render_checkout,
    render_customer,
    render_order,
    render_shipment,
)

__all__ = ["RESOURCES", "ROUTES", "STORE_ID", "Resource"]


@frozen(kw_only=True)
class Resource:
    """One of Kanal's four resources, as the sandbox serves it.

    Attributes:
        name: its path segment and records' name (``orders``).
        schema: the rules of its ``POST`` body.
        render: the body answered for a stored record of a store.
        update_schema: the rules of its ``PATCH`` body, if it has a ``PATCH`` route.
        not_found: the ``{"error": ...}`` message for a record it does not have.
    """

    name: str
    schema: Schema
    render: Callable[[int, Mapping[str, Any]], dict[str, Any]]
    update_schema: Schema | None = None
    not_found: str = ""


RESOURCES = {
    resource.name: resource
    for resource in (
        Resource(
            name="orders",
            schema=ORDER,
            render=render_order,
            update_schema=ORDER_UPDATE,
            not_found="Order not found",
        ),
        Resource(
            name="checkouts",
            schema=CHECKOUT,
            render=render_checkout,
            update_schema=CHECKOUT_UPDATE,
            not_found="Checkout not found",
        ),
        Resource(
            name="customers",
            schema=CUSTOMER,
            render=render_customer,
            not_found="Customer not found",
        ),
        Resource(name="shipments", schema=SHIPMENT, render=render_shipment),
    )
}
"""The resources by name."""

_STORE_PATH = "/api/v1/stores/{store_id}"
ROUTES = (
    Route("POST", f"{_STORE_PATH}/orders", "orders"),
    Route("PATCH", f"{_STORE_PATH}/orders/{{external_id}}", "orders"),
    Route("POST", f"{_STORE_PATH}/checkouts", "checkouts"),
    Route("PATCH", f"{_STORE_PATH}/checkouts/{{external_id}}", "checkouts"),
    Route("POST", f"{_STORE_PATH}/customers", "customers"),
    Route("DELETE", f"{_STORE_PATH}/customers/{{external_id}}", "customers"),
    Route("POST", f"{_STORE_PATH}/shipments", "shipments"),
)
"""Each route named by the resource it writes."""

STORE_ID = re.compile(r"[0-9]{1,18}")
"""A ``{store_id}`` path segment that can name a store."""
