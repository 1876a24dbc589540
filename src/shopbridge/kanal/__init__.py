"""Kanal's commerce API: the async client, its blocking twin, the models and the decision table.

The sandbox (an in-memory fake of the API) is `shopbridge.kanal.sandbox`.
"""

from __future__ import annotations

from shopbridge.kanal._client import DEFAULT_BASE_URL, RATE_WINDOW, AsyncKanal, KanalOptions
from shopbridge.kanal._models import (
    UNSET,
    Checkout,
    CheckoutRecord,
    CheckoutStatus,
    CheckoutUpdate,
    Customer,
    CustomerRecord,
    Order,
    OrderRecord,
    OrderUpdate,
    Shipment,
    ShipmentRecord,
    ShipmentStatus,
    Unset,
    Upserted,
)
from shopbridge.kanal._resources import (
    AsyncCheckouts,
    AsyncCustomers,
    AsyncOrders,
    AsyncShipments,
)
from shopbridge.kanal._sync import Checkouts, Customers, Kanal, Orders, Shipments
from shopbridge.kanal._table import ERROR_KEYS, KANAL_TABLE, parse_error

__all__ = [
    "DEFAULT_BASE_URL",
    "ERROR_KEYS",
    "KANAL_TABLE",
    "RATE_WINDOW",
    "UNSET",
    "AsyncCheckouts",
    "AsyncCustomers",
    "AsyncKanal",
    "AsyncOrders",
    "AsyncShipments",
    "Checkout",
    "CheckoutRecord",
    "CheckoutStatus",
    "CheckoutUpdate",
    "Checkouts",
    "Customer",
    "CustomerRecord",
    "Customers",
    "Kanal",
    "KanalOptions",
    "Order",
    "OrderRecord",
    "OrderUpdate",
    "Orders",
    "Shipment",
    "ShipmentRecord",
    "ShipmentStatus",
    "Shipments",
    "Unset",
    "Upserted",
    "parse_error",
]
