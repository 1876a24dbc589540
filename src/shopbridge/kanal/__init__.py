"""Kanal's commerce and messaging APIs: the clients, the models and the decision tables.

The sandbox (an in-memory fake of the API) is `shopbridge.kanal.sandbox`.
"""

from __future__ import annotations

from shopbridge.kanal._client import DEFAULT_BASE_URL, RATE_WINDOW, AsyncKanal, KanalOptions
from shopbridge.kanal._messaging.models import (
    MESSAGE_TYPES,
    AutomationTrigger,
    Message,
    MessageType,
    Sent,
    Template,
    TemplateBody,
    TemplateButton,
    TemplateHeader,
    TemplateSend,
    TemplateStructure,
    Triggered,
)
from shopbridge.kanal._messaging.resources import (
    AsyncAccount,
    AsyncAutomations,
    AsyncMessages,
    AsyncTemplates,
)
from shopbridge.kanal._messaging.sync import Account, Automations, Messages, Templates
from shopbridge.kanal._messaging.table import KANAL_MESSAGING_TABLE, MESSAGING_KEYS
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
    "KANAL_MESSAGING_TABLE",
    "KANAL_TABLE",
    "MESSAGE_TYPES",
    "MESSAGING_KEYS",
    "RATE_WINDOW",
    "UNSET",
    "Account",
    "AsyncAccount",
    "AsyncAutomations",
    "AsyncCheckouts",
    "AsyncCustomers",
    "AsyncKanal",
    "AsyncMessages",
    "AsyncOrders",
    "AsyncShipments",
    "AsyncTemplates",
    "AutomationTrigger",
    "Automations",
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
    "Message",
    "MessageType",
    "Messages",
    "Order",
    "OrderRecord",
    "OrderUpdate",
    "Orders",
    "Sent",
    "Shipment",
    "ShipmentRecord",
    "ShipmentStatus",
    "Shipments",
    "Template",
    "TemplateBody",
    "TemplateButton",
    "TemplateHeader",
    "TemplateSend",
    "TemplateStructure",
    "Templates",
    "Triggered",
    "Unset",
    "Upserted",
    "parse_error",
]
