"""shopbridge: push a shop's data into the Kanal and Karla APIs without losing a record.

Here: the four clients (`AsyncKanal` and its blocking twin `Kanal`, `AsyncKarla` and `Karla`)
and their options, the decision tables that classify every answer and their parts, the retry
policy, the bulk runner's options, report and outcomes, shared pacing (`RedisPacing`),
partitioned pushes for Dask and Spark (`PartitionedPush`), and every exception. Each name means
one thing: the two APIs' models, some of which share a name (Kanal's ``Order`` is what you send,
Karla's what it answers), are reached through their own packages, `shopbridge.kanal` and
`shopbridge.karla`, with Karla's webhook verification. The sandboxes are
`shopbridge.kanal.sandbox` and `shopbridge.karla.sandbox`; the pytest fixtures are in
`shopbridge.testing`. Everything else is private (``_name``), `shopbridge.core` included.

Each name is imported on first use (PEP 562), so that ``import shopbridge.cli`` (and so
``shopbridge --help``) does not pay for aiohttp and both clients; type checkers read the real
imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shopbridge.core._attempts import AttemptEvent
    from shopbridge.core._errors import (
        BlockingCallInEventLoopWarning,
        CheckpointError,
        ConfigurationError,
        ConflictError,
        CredentialsRejectedError,
        FilesInUseError,
        InputError,
        InvalidEventError,
        MalformedSignatureError,
        NotFoundError,
        PayloadRejectedError,
        RateLimitedError,
        RequestError,
        RequestFailedError,
        ShopbridgeError,
        SignatureError,
        SignatureMismatchError,
        SourceFailedError,
        StaleSignatureError,
        TransientError,
        UnwritableFileError,
        ValidationError,
    )
    from shopbridge.core._otel import Telemetry
    from shopbridge.core._pacing_redis import RedisPacing
    from shopbridge.core._requests import Response
    from shopbridge.core.bulk._partitions import PartitionedPush, merge_dead_letters
    from shopbridge.core.bulk._push import PushOptions
    from shopbridge.core.bulk._report import (
        BulkOutcome,
        BulkProgress,
        BulkReport,
        RecordResult,
    )
    from shopbridge.core.bulk._stream import BlockingResultStream, ResultStream
    from shopbridge.core.sansio._outcome import (
        ErrorBody,
        FailureKind,
        HttpResponse,
        RequestFacts,
        TransportFailure,
    )
    from shopbridge.core.sansio._policy import RetryPolicy
    from shopbridge.core.sansio._table import (
        DecisionTable,
        Rule,
        decide,
    )
    from shopbridge.core.sansio._verdict import (
        Action,
        Verdict,
        WaitSource,
    )
    from shopbridge.kanal import (
        KANAL_TABLE,
        AsyncKanal,
        Kanal,
        KanalOptions,
    )
    from shopbridge.karla import (
        KARLA_TABLE,
        AsyncKarla,
        Karla,
        KarlaOptions,
    )

__all__ = [
    "KANAL_TABLE",
    "KARLA_TABLE",
    "Action",
    "AsyncKanal",
    "AsyncKarla",
    "AttemptEvent",
    "BlockingCallInEventLoopWarning",
    "BlockingResultStream",
    "BulkOutcome",
    "BulkProgress",
    "BulkReport",
    "CheckpointError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejectedError",
    "DecisionTable",
    "ErrorBody",
    "FailureKind",
    "FilesInUseError",
    "HttpResponse",
    "InputError",
    "InvalidEventError",
    "Kanal",
    "KanalOptions",
    "Karla",
    "KarlaOptions",
    "MalformedSignatureError",
    "NotFoundError",
    "PartitionedPush",
    "PayloadRejectedError",
    "PushOptions",
    "RateLimitedError",
    "RecordResult",
    "RedisPacing",
    "RequestError",
    "RequestFacts",
    "RequestFailedError",
    "Response",
    "ResultStream",
    "RetryPolicy",
    "Rule",
    "ShopbridgeError",
    "SignatureError",
    "SignatureMismatchError",
    "SourceFailedError",
    "StaleSignatureError",
    "Telemetry",
    "TransientError",
    "TransportFailure",
    "UnwritableFileError",
    "ValidationError",
    "Verdict",
    "WaitSource",
    "__version__",
    "decide",
    "merge_dead_letters",
]

_MODULES: dict[str, tuple[str, ...]] = {
    "shopbridge.core._attempts": ("AttemptEvent",),
    "shopbridge.core._otel": ("Telemetry",),
    "shopbridge.core._requests": ("Response",),
    "shopbridge.core._errors": (
        "BlockingCallInEventLoopWarning",
        "CheckpointError",
        "ConfigurationError",
        "ConflictError",
        "CredentialsRejectedError",
        "FilesInUseError",
        "InputError",
        "InvalidEventError",
        "MalformedSignatureError",
        "NotFoundError",
        "PayloadRejectedError",
        "RateLimitedError",
        "RequestError",
        "RequestFailedError",
        "ShopbridgeError",
        "SignatureError",
        "SignatureMismatchError",
        "SourceFailedError",
        "StaleSignatureError",
        "TransientError",
        "UnwritableFileError",
        "ValidationError",
    ),
    "shopbridge.core._pacing_redis": ("RedisPacing",),
    "shopbridge.core.bulk._partitions": ("PartitionedPush", "merge_dead_letters"),
    "shopbridge.core.bulk._push": ("PushOptions",),
    "shopbridge.core.bulk._report": (
        "BulkOutcome",
        "BulkProgress",
        "BulkReport",
        "RecordResult",
    ),
    "shopbridge.core.bulk._stream": (
        "BlockingResultStream",
        "ResultStream",
    ),
    "shopbridge.core.sansio._outcome": (
        "ErrorBody",
        "FailureKind",
        "HttpResponse",
        "RequestFacts",
        "TransportFailure",
    ),
    "shopbridge.core.sansio._policy": ("RetryPolicy",),
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
        "AsyncKanal",
        "Kanal",
        "KanalOptions",
    ),
    "shopbridge.karla": (
        "KARLA_TABLE",
        "AsyncKarla",
        "Karla",
        "KarlaOptions",
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
