"""shopbridge: push a shop's data into the Kanal and Karla APIs without losing a record.

The clients (`AsyncKanal` and its blocking twin `Kanal`), their records, the decision tables
that classify every answer, the retry policy and the exceptions are all importable from here.
The sandboxes live in `shopbridge.kanal.sandbox`; the pytest fixtures in `shopbridge.testing`.
"""

from __future__ import annotations

from shopbridge._version import VERSION
from shopbridge.core.errors import (
    BlockingCallInEventLoopWarning,
    ConfigurationError,
    ConflictError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    RateLimitedError,
    RequestError,
    RequestFailedError,
    ShopbridgeError,
    TransientError,
    ValidationError,
)
from shopbridge.core.outcome import (
    ErrorBody,
    FailureKind,
    HttpResponse,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.retry import RetryPolicy
from shopbridge.core.table import DecisionTable, Rule, decide
from shopbridge.core.verdict import Action, Verdict, WaitSource
from shopbridge.kanal import (
    KANAL_TABLE,
    UNSET,
    AsyncKanal,
    Checkout,
    CheckoutRecord,
    CheckoutUpdate,
    Customer,
    CustomerRecord,
    Kanal,
    Order,
    OrderRecord,
    OrderUpdate,
    Shipment,
    ShipmentRecord,
    Upserted,
)
from shopbridge.karla import KARLA_TABLE

__version__ = VERSION

__all__ = [
    "KANAL_TABLE",
    "KARLA_TABLE",
    "UNSET",
    "Action",
    "AsyncKanal",
    "BlockingCallInEventLoopWarning",
    "Checkout",
    "CheckoutRecord",
    "CheckoutUpdate",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejectedError",
    "Customer",
    "CustomerRecord",
    "DecisionTable",
    "ErrorBody",
    "FailureKind",
    "HttpResponse",
    "Kanal",
    "NotFoundError",
    "Order",
    "OrderRecord",
    "OrderUpdate",
    "PayloadRejectedError",
    "RateLimitedError",
    "RequestError",
    "RequestFacts",
    "RequestFailedError",
    "RetryPolicy",
    "Rule",
    "Shipment",
    "ShipmentRecord",
    "ShopbridgeError",
    "TransientError",
    "TransportFailure",
    "Upserted",
    "ValidationError",
    "Verdict",
    "WaitSource",
    "__version__",
    "decide",
]
