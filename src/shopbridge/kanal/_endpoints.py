"""Kanal's seven commerce endpoints, each described once (``specs/kanal.md`` §2).

Every write is idempotent: upserts are keyed on ``(store_id, external_id)`` and PATCH and
DELETE converge when replayed, so an ambiguous failure may always be resent.
"""

from __future__ import annotations

from shopbridge.core._endpoint import Endpoint
from shopbridge.kanal._models import (
    Checkout,
    CheckoutRecord,
    CheckoutUpdate,
    Customer,
    CustomerRecord,
    Order,
    OrderRecord,
    OrderUpdate,
    Shipment,
    ShipmentRecord,
)
from shopbridge.kanal._validation import schemas

__all__ = [
    "CHECKOUT_UPDATE",
    "CHECKOUT_UPSERT",
    "CUSTOMER_DELETE",
    "CUSTOMER_UPSERT",
    "ENDPOINTS",
    "ORDER_UPDATE",
    "ORDER_UPSERT",
    "SHIPMENT_UPSERT",
]

_STORE = "/stores/{store_id}"

ORDER_UPSERT = Endpoint(
    name="orders.upsert",
    method="POST",
    path=f"{_STORE}/orders",
    schema=schemas.ORDER,
    model=Order,
    answer=OrderRecord,
    idempotent=True,
)
ORDER_UPDATE = Endpoint(
    name="orders.update",
    method="PATCH",
    path=f"{_STORE}/orders/{{external_id}}",
    schema=schemas.ORDER_UPDATE,
    model=OrderUpdate,
    answer=OrderRecord,
    idempotent=True,
)
CHECKOUT_UPSERT = Endpoint(
    name="checkouts.upsert",
    method="POST",
    path=f"{_STORE}/checkouts",
    schema=schemas.CHECKOUT,
    model=Checkout,
    answer=CheckoutRecord,
    idempotent=True,
)
CHECKOUT_UPDATE = Endpoint(
    name="checkouts.update",
    method="PATCH",
    path=f"{_STORE}/checkouts/{{external_id}}",
    schema=schemas.CHECKOUT_UPDATE,
    model=CheckoutUpdate,
    answer=CheckoutRecord,
    idempotent=True,
)
CUSTOMER_UPSERT = Endpoint(
    name="customers.upsert",
    method="POST",
    path=f"{_STORE}/customers",
    schema=schemas.CUSTOMER,
    model=Customer,
    answer=CustomerRecord,
    idempotent=True,
)
CUSTOMER_DELETE = Endpoint[None](
    name="customers.delete",
    method="DELETE",
    path=f"{_STORE}/customers/{{external_id}}",
    answer=None,
    idempotent=True,
)
SHIPMENT_UPSERT = Endpoint(
    name="shipments.upsert",
    method="POST",
    path=f"{_STORE}/shipments",
    schema=schemas.SHIPMENT,
    model=Shipment,
    answer=ShipmentRecord,
    idempotent=True,
)

ENDPOINTS = (
    ORDER_UPSERT,
    ORDER_UPDATE,
    CHECKOUT_UPSERT,
    CHECKOUT_UPDATE,
    CUSTOMER_UPSERT,
    CUSTOMER_DELETE,
    SHIPMENT_UPSERT,
)
"""Every endpoint, in the spec's order."""
