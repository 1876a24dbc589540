"""shopbridge: push a shop's data into the Kanal and Karla APIs without losing a record.

The clients (`AsyncKanal`, `AsyncKarla` and their blocking twins `Kanal`, `Karla`), their
records, the bulk runner's report and outcomes, the decision tables that classify every answer,
the retry policy, shared pacing (`RedisPacing`), partitioned pushes for Dask and Spark
(`PartitionedPush`), the exceptions and Karla's webhook verification are all importable from here;
Karla's other models, whose names overlap Kanal's (``Order``), from `shopbridge.karla`. The
sandboxes live in `shopbridge.kanal.sandbox` and `shopbridge.karla.sandbox`; the pytest fixtures
in `shopbridge.testing`.

Each name is imported on first use (PEP 562), so that ``import shopbridge.cli`` (and so
``shopbridge --help``) does not pay for aiohttp and both clients; type checkers read the real
imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    from shopbridge.core._pacing_redis import RedisPacing
    from shopbridge.core.bulk._partitions import PartitionedPush, merge_dead_letters
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

    __version__: str

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
    "PartitionedPush",
    "PayloadRejectedError",
    "PushOptions",
    "RateLimitedError",
    "RedisPacing",
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
    "merge_dead_letters",
    "read_event",
    "verify_signature",
    "webhook_handler",
]

_MODULES: dict[str, tuple[str, ...]] = {
    "shopbridge.core._errors": (
        "BlockingCallInEventLoopWarning",
        "CheckpointError",
        "ConfigurationError",
        "ConflictError",
        "CredentialsRejectedError",
        "InputError",
        "NotFoundError",
        "PayloadRejectedError",
        "RateLimitedError",
        "RequestError",
        "RequestFailedError",
        "ShopbridgeError",
        "TransientError",
        "ValidationError",
    ),
    "shopbridge.core.sansio._policy": ("RetryPolicy",),
    "shopbridge.core._pacing_redis": ("RedisPacing",),
    "shopbridge.core.bulk._partitions": ("PartitionedPush", "merge_dead_letters"),
    "shopbridge.core.bulk._push": ("PushOptions",),
    "shopbridge.core.bulk._report": (
        "BulkOutcome",
        "BulkProgress",
        "BulkReport",
    ),
    "shopbridge.core.sansio._outcome": (
        "ErrorBody",
        "FailureKind",
        "HttpResponse",
        "RequestFacts",
        "TransportFailure",
    ),
    "shopbridge.core.sansio._table": (
        "DecisionTable",
        "Rule",
        "decide",
    ),
    "shopbridge.core.sansio._verdict": (
        "Action",
        "Verdict",
        "WaitSource",
    ),
    "shopbridge.kanal": (
        "KANAL_TABLE",
        "UNSET",
        "AsyncKanal",
        "Checkout",
        "CheckoutRecord",
        "CheckoutUpdate",
        "Customer",
        "CustomerRecord",
        "Kanal",
        "Order",
        "OrderRecord",
        "OrderUpdate",
        "Shipment",
        "ShipmentRecord",
        "Upserted",
    ),
    "shopbridge.karla": (
        "KARLA_TABLE",
        "AnnouncementCreate",
        "AsyncKarla",
        "CampaignRequest",
        "Created",
        "DiscountCreate",
        "Karla",
        "MalformedSignatureError",
        "OrderPlacement",
        "OrderTracking",
        "OrderUpsert",
        "ShipmentEvent",
        "SignatureError",
        "SignatureMismatchError",
        "StaleSignatureError",
        "WebhookCreate",
        "WebhookEvent",
        "read_event",
        "verify_signature",
        "webhook_handler",
    ),
}
"""Where each public name is defined (the imports under ``TYPE_CHECKING`` above, as data)."""
_ORIGINS: dict[str, tuple[str, str]] = {
    "__version__": ("shopbridge._version", "VERSION"),
    **{name: (module, name) for module, names in _MODULES.items() for name in names},
}
"""Each public name: the module that defines it, and its name there."""


def _load(name: str) -> object:
    """Import the public `name` from where it is defined, and keep it here for the next use.

    Raises:
        AttributeError: `name` is not a public name of shopbridge.
    """
    try:
        module, attribute = _ORIGINS[name]
    except KeyError:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg) from None
    value: object = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# Hidden from type checkers: a module __getattr__ would make every misspelt name type-check
# (as `object`); they see the real imports instead.
if not TYPE_CHECKING:
    __getattr__ = _load
