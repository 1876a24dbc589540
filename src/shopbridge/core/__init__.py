"""The API-agnostic core: decide, pace, retry and send. Knows HTTP, never Kanal or Karla."""

from __future__ import annotations

from shopbridge.core._blocking import BlockingFacade
from shopbridge.core._client_base import EngineClient
from shopbridge.core._engine import Engine, EngineCounters, Reply, Request
from shopbridge.core._errors import (
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
from shopbridge.core._pacing import Pacer, StoreLimiter
from shopbridge.core.bulk._files import CheckpointError
from shopbridge.core.bulk._push import PushOptions, push_records, records_as_json, run_bulk
from shopbridge.core.bulk._report import BulkOutcome, BulkProgress, BulkReport, Settled, settle
from shopbridge.core.bulk._sources import InputError, InputItem, items_from
from shopbridge.core.sansio._outcome import (
    ErrorBody,
    FailureKind,
    FieldErrors,
    HttpResponse,
    Outcome,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._table import DecisionTable, Rule, decide
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource

__all__ = [
    "Action",
    "BlockingCallInEventLoopWarning",
    "BlockingFacade",
    "BulkOutcome",
    "BulkProgress",
    "BulkReport",
    "CheckpointError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejectedError",
    "DecisionTable",
    "Engine",
    "EngineClient",
    "EngineCounters",
    "ErrorBody",
    "FailureKind",
    "FieldErrors",
    "HttpResponse",
    "InputError",
    "InputItem",
    "NotFoundError",
    "Outcome",
    "Pacer",
    "PayloadRejectedError",
    "PushOptions",
    "RateLimitedError",
    "Reply",
    "Request",
    "RequestError",
    "RequestFacts",
    "RequestFailedError",
    "RetryPolicy",
    "Rule",
    "Settled",
    "ShopbridgeError",
    "StoreLimiter",
    "TransientError",
    "TransportFailure",
    "ValidationError",
    "Verdict",
    "WaitSource",
    "decide",
    "items_from",
    "push_records",
    "records_as_json",
    "run_bulk",
    "settle",
]
