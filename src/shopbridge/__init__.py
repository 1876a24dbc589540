"""shopbridge: push a shop's data into the Kanal and Karla APIs without losing a record.

The clients (`AsyncKanal`, `AsyncKarla` and their blocking twins `Kanal`, `Karla`), their
records, the bulk runner's report and outcomes, the decision tables that classify every answer,
the retry policy, the exceptions and Karla's webhook verification are all importable from here;
Karla's other models, whose names overlap Kanal's (``Order``), from `shopbridge.karla`. The
sandboxes live in `shopbridge.kanal.sandbox` and `shopbridge.karla.sandbox`; the pytest fixtures
in `shopbridge.testing`.
"""

from __future__ import annotations

from shopbridge._version import VERSION
from shopbridge.core._errors import (
    BlockingCallInEventLoopWarning,
    CheckpointError,
    ConfigurationError,
    ConflictError,
    CredentialsRejectedError,
    InputError,
    NotFoundError,
    PayloadRejectedError,
    RateLimitedError,
    RequestError,
    RequestFailedError,
    ShopbridgeError,
    TransientError,
    ValidationError,
)
from shopbridge.core.bulk._push import PushOptions
from shopbridge.core.bulk._report import BulkOutcome, BulkProgress, BulkReport
from shopbridge.core.sansio._outcome import (
    ErrorBody,
    FailureKind,
    HttpResponse,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._table import DecisionTable, Rule, decide
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource
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
from shopbridge.karla import (
    KARLA_TABLE,
    AnnouncementCreate,
    AsyncKarla,
    CampaignRequest,
    Created,
    DiscountCreate,
    Karla,
    MalformedSignatureError,
    OrderPlacement,
    OrderTracking,
    OrderUpsert,
    ShipmentEvent,
    SignatureError,
    SignatureMismatchError,
    StaleSignatureError,
    WebhookCreate,
    WebhookEvent,
    read_event,
    verify_signature,
    webhook_handler,
)

__version__ = VERSION

__all__ = [
    "KANAL_TABLE",
    "KARLA_TABLE",
    "UNSET",
    "Action",
    "AnnouncementCreate",
    "AsyncKanal",
    "AsyncKarla",
    "BlockingCallInEventLoopWarning",
    "BulkOutcome",
    "BulkProgress",
    "BulkReport",
    "CampaignRequest",
    "Checkout",
    "CheckoutRecord",
    "CheckoutUpdate",
    "CheckpointError",
    "ConfigurationError",
    "ConflictError",
    "Created",
    "CredentialsRejectedError",
    "Customer",
    "CustomerRecord",
    "DecisionTable",
    "DiscountCreate",
    "ErrorBody",
    "FailureKind",
    "HttpResponse",
    "InputError",
    "Kanal",
    "Karla",
    "MalformedSignatureError",
    "NotFoundError",
    "Order",
    "OrderPlacement",
    "OrderRecord",
    "OrderTracking",
    "OrderUpdate",
    "OrderUpsert",
    "PayloadRejectedError",
    "PushOptions",
    "RateLimitedError",
    "RequestError",
    "RequestFacts",
    "RequestFailedError",
    "RetryPolicy",
    "Rule",
    "Shipment",
    "ShipmentEvent",
    "ShipmentRecord",
    "ShopbridgeError",
    "SignatureError",
    "SignatureMismatchError",
    "StaleSignatureError",
    "TransientError",
    "TransportFailure",
    "Upserted",
    "ValidationError",
    "Verdict",
    "WaitSource",
    "WebhookCreate",
    "WebhookEvent",
    "__version__",
    "decide",
    "read_event",
    "verify_signature",
    "webhook_handler",
]
