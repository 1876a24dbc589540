"""The API-agnostic core: decide, pace, retry and send. Knows HTTP, never Kanal or Karla."""

from __future__ import annotations

from shopbridge.core.blocking import BlockingFacade
from shopbridge.core.engine import Engine, Reply, Request
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
    FieldErrors,
    HttpResponse,
    Outcome,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.pacing import Pacer, StoreLimiter
from shopbridge.core.retry import RetryPolicy
from shopbridge.core.table import DecisionTable, Rule, decide
from shopbridge.core.verdict import Action, Verdict, WaitSource

__all__ = [
    "Action",
    "BlockingCallInEventLoopWarning",
    "BlockingFacade",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejectedError",
    "DecisionTable",
    "Engine",
    "ErrorBody",
    "FailureKind",
    "FieldErrors",
    "HttpResponse",
    "NotFoundError",
    "Outcome",
    "Pacer",
    "PayloadRejectedError",
    "RateLimitedError",
    "Reply",
    "Request",
    "RequestError",
    "RequestFacts",
    "RequestFailedError",
    "RetryPolicy",
    "Rule",
    "ShopbridgeError",
    "StoreLimiter",
    "TransientError",
    "TransportFailure",
    "ValidationError",
    "Verdict",
    "WaitSource",
    "decide",
]
