"""What one attempt produced, as plain values: the inputs of `decide()`."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

__all__ = [
    "NO_FIELD_ERRORS",
    "ErrorBody",
    "FailureKind",
    "FieldErrors",
    "HttpResponse",
    "Outcome",
    "RequestFacts",
    "TransportFailure",
    "freeze_field_errors",
]

FieldErrors = Mapping[str, tuple[str, ...]]
"""Field errors keyed by dot path (``customer.phone``, ``line_items.0.title``), each with its
messages in the server's wording. Kanal's Laravel ``errors`` map and Karla's FastAPI
``errors``/``detail`` lists both normalise to this."""

NO_FIELD_ERRORS: FieldErrors = MappingProxyType({})


def freeze_field_errors(errors: Mapping[str, Any]) -> FieldErrors:
    """Copy ``{path: message | [messages]}`` into an immutable `FieldErrors`."""
    if not errors:
        return NO_FIELD_ERRORS
    frozen_errors: dict[str, tuple[str, ...]] = {}
    for path, messages in errors.items():
        if isinstance(messages, str):
            frozen_errors[str(path)] = (messages,)
        elif isinstance(messages, list | tuple):
            frozen_errors[str(path)] = tuple(str(message) for message in messages)
        else:
            frozen_errors[str(path)] = (str(messages),)
    return MappingProxyType(frozen_errors)


class FailureKind(enum.Enum):
    """Why no response arrived. The transport maps every aiohttp/asyncio error to one of these."""

    CONNECT = "connect"
    """The connection was refused or reset before the request was sent: never reached the
    server."""
    CONNECT_TIMEOUT = "connect_timeout"
    """No connection within the connect timeout: never reached the server."""
    READ_TIMEOUT = "read_timeout"
    """Sent, but no (complete) answer in time: the server may have applied it."""
    DISCONNECTED = "disconnected"
    """The connection closed after the request was sent: the server may have applied it."""
    TLS = "tls"
    """The TLS handshake or the certificate failed: a configuration problem."""
    DNS = "dns"
    """The host name did not resolve: a configuration problem."""
    ANSWER_TOO_LARGE = "answer_too_large"
    """The answer's body (decompressed) grew past the transport's ``max_body``: refused
    unread, so that no server can make the client hold more than that in memory."""

    @property
    def ambiguous(self) -> bool:
        """Whether the server may have applied the request although no answer came back."""
        return self in (FailureKind.READ_TIMEOUT, FailureKind.DISCONNECTED)


@frozen(kw_only=True)
class ErrorBody:
    """An error response body, parsed by the API dialect.

    Attributes:
        key: a stable snake_case name for the error (Karla's ``key``; for Kanal, a name given to
            each documented message, such as ``store_not_found``).
        message: the human-readable message.
        field_errors: per-field validation errors, keyed by dot path.
        retry_after: a wait hint carried in the body (``{"retry_after": 60}``), unparsed.
        type: Karla's error ``type`` (``api_error``/``invalid_request_error``), if any.
    """

    key: str | None = None
    message: str | None = None
    field_errors: FieldErrors = field(default=NO_FIELD_ERRORS, converter=freeze_field_errors)
    retry_after: object = None
    type: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only mapping proxy of the field errors does not pickle: rebuild from a dict.
        fields = {
            "key": self.key,
            "message": self.message,
            "field_errors": dict(self.field_errors),
            "retry_after": self.retry_after,
            "type": self.type,
        }
        return (_error_body, (fields,))


def _error_body(fields: dict[str, Any]) -> ErrorBody:
    return ErrorBody(**fields)


@frozen(kw_only=True)
class HttpResponse:
    """A complete HTTP response.

    Attributes:
        status: the status code.
        headers: the headers, case-insensitive (or lower-case names in a plain mapping).
        body: the raw body.
        data: the body decoded as JSON, or ``None`` when it is empty or not JSON.
        error: the dialect's reading of an error body (for a 2xx: ``None``, or the
            dialect's reading of a body whose words change its meaning).
    """

    status: int
    headers: Mapping[str, str] = field(factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)
    data: Any = field(default=None, repr=False)
    error: ErrorBody | None = None


@frozen(kw_only=True)
class TransportFailure:
    """No usable response: the transport's account of what went wrong.

    Attributes:
        kind: the failure's kind.
        detail: a short description for logs (never contains headers or credentials).
    """

    kind: FailureKind
    detail: str = ""


Outcome = HttpResponse | TransportFailure
"""What one attempt produced."""


@frozen(kw_only=True)
class RequestFacts:
    """What `decide()` needs to know about the request itself.

    Attributes:
        method: the HTTP method, upper case.
        idempotent: whether the API deduplicates this request (upserts, PATCH, DELETE).
        after_ambiguous: whether an earlier attempt of this same request ended ambiguously
            (read timeout, disconnect after send, 500/502/504), so the server may already
            have applied it.
        create: whether it is a create that the API refuses twice with "already exists"
            (so a resend after an ambiguous failure is safe, and its 409 resolvable), as
            opposed to a non-idempotent request that nothing protects from being applied twice.
    """

    method: str
    idempotent: bool
    after_ambiguous: bool = False
    create: bool = False
