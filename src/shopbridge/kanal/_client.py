"""`AsyncKanal`: the async client of Kanal's commerce API and of its messaging API.

Commerce: 7 endpoints, 4 resources; messaging: 5 endpoints (``messages``, ``templates``,
``automations``, ``account``).

::

    async with AsyncKanal(api_key, store_id=123) as kanal:
        result = await kanal.orders.upsert(order)  # Upserted[OrderRecord]
        result.created  # True: 201, False: 200
        await kanal.templates.send(TemplateSend(template_id=1234, phone_number="+33612345678"))

Messaging needs the key only: ``AsyncKanal(api_key)`` works for messaging, and its commerce
calls say that they need a ``store_id``.

Every call is validated with Kanal's own rules before it is sent, paced by the store's
rate-limit window, retried where Kanal's decision table says so (429 after ``Retry-After``,
5xx and network errors with backoff; writes are idempotent on ``(store_id, external_id)``),
and ends in a typed result or a typed `RequestError`.
"""

from __future__ import annotations

import copy
import os
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, TypedDict, TypeVar, Unpack

from attrs import evolve, frozen
from yarl import URL

from shopbridge._version import VERSION
from shopbridge.core._attempts import AttemptHook, fan_out
from shopbridge.core._client_base import EngineClient
from shopbridge.core._engine import Engine
from shopbridge.core._errors import ConfigurationError, ValidationError
from shopbridge.core._otel import Telemetry
from shopbridge.core._pacing import Pacer, PacingBackend
from shopbridge.core._pacing_redis import resolve_pacing
from shopbridge.core._transport import DEFAULT_MAX_BODY, Transport, check_base_url, user_agent
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._table import DecisionTable
from shopbridge.kanal._messaging.client import MessagingChannel
from shopbridge.kanal._messaging.resources import (
    AsyncAccount,
    AsyncAutomations,
    AsyncMessages,
    AsyncTemplates,
)
from shopbridge.kanal._messaging.table import KANAL_MESSAGING_TABLE
from shopbridge.kanal._resources import AsyncCheckouts, AsyncCustomers, AsyncOrders, AsyncShipments
from shopbridge.kanal._table import KANAL_TABLE, parse_error
from shopbridge.kanal._validation import schemas
from shopbridge.kanal._wire import from_wire, to_wire, to_wire_mapping

if TYPE_CHECKING:
    from shopbridge.core._endpoint import Endpoint
    from shopbridge.core._requests import Reply

__all__ = [
    "DEFAULT_BASE_URL",
    "RATE_WINDOW",
    "AsyncKanal",
    "KanalOptions",
    "KanalSettings",
    "settings",
]

DEFAULT_BASE_URL = "https://api.getkanal.com/api/v1"
RATE_WINDOW = 60.0
"""Kanal's rate-limit window in seconds: 60 requests per minute per store."""

_T = TypeVar("_T")


def _store_id(value: object) -> int | None:
    if value is None:
        return None  # a messaging-only client
    text = str(value).strip() if isinstance(value, int | str) else ""
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        # A string is not echoed: with store_id and api_key swapped, it would be the key.
        got = f"a {len(value)}-character string" if isinstance(value, str) else repr(value)
        msg = (
            f"store_id must be a positive integer (the numeric id Kanal gave with your key), "
            f"got {got}"
        )
        raise ConfigurationError(msg)
    return int(text)


API_KEY_ENV = "KANAL_API_KEY"
"""The environment variable the key is read from when it is not given."""


def _api_key(value: object) -> str:
    if value is None:
        value = os.environ.get(API_KEY_ENV)
    if not isinstance(value, str) or not value.strip():
        msg = (
            "api_key is empty: pass the key shown once in the Kanal app "
            "(Settings → API Keys), e.g. from the KANAL_API_KEY environment variable"
        )
        raise ConfigurationError(msg)
    if value != value.strip() or any(ch in value for ch in "\r\n\t "):
        msg = "api_key contains whitespace: copy the key exactly as shown, nothing around it"
        raise ConfigurationError(msg)
    return value


class KanalOptions(TypedDict, total=False):
    """The options of `AsyncKanal` and `Kanal`, declared once for both.

    Attributes:
        base_url: the API's base URL, up to and including ``/api/v1``.
        retry: how long and how often one call may be tried (default `RetryPolicy()`).
        table: the decision table (``KANAL_TABLE``, or a copy with rows of your own).
        messaging_table: the messaging API's decision table (``KANAL_MESSAGING_TABLE``).
        rate_window: the store's rate-limit window in seconds. Not given, the pacer assumes
            Kanal's documented minute and learns the real length (one probe's 429 per run).
        max_connections: the connection pool's size (100).
        max_body: the largest answer body read, decompressed, in bytes (64 MiB); a larger
            one fails as ``answer_too_large``, never held in memory.
        ssl_context: a custom SSL context (corporate CA, client certificate).
        trust_env: take proxy settings from the environment (``HTTPS_PROXY`` ...).
        allow_insecure_http: allow ``http://`` to hosts other than this machine.
        validate: check records with Kanal's rules before sending them (the default). Off,
            invalid records reach the server and come back as 422.
        unknown_fields: ``"reject"`` (the default) refuses a field Kanal does not know, which
            Kanal would silently ignore; ``"send"`` sends it anyway.
        on_attempt: called with an `AttemptEvent` after each attempt (its verdict, what comes
            next, the wait, the latency), on the event loop: keep it quick. Its errors are
            logged, never raised.
        telemetry: OpenTelemetry spans and counters (`Telemetry`, the ``otel`` extra).
        pacing: where the store's rate-limit window is kept: this process (the default,
            shared by its clients of the store) or a `RedisPacing` (or its ``redis://`` URL)
            shared by every process and machine pushing into the store.
    """

    base_url: str
    retry: RetryPolicy | None
    table: DecisionTable
    messaging_table: DecisionTable
    rate_window: float
    max_connections: int
    max_body: int
    ssl_context: ssl.SSLContext | None
    trust_env: bool
    allow_insecure_http: bool
    validate: bool
    unknown_fields: Literal["reject", "send"]
    on_attempt: AttemptHook | None
    telemetry: Telemetry | None
    pacing: PacingBackend | str | None


@frozen(kw_only=True)
class KanalSettings:
    """A client's configuration, checked: what `settings` makes of the arguments."""

    api_key: str
    store_id: int | None
    url: URL
    retry: RetryPolicy
    table: DecisionTable
    messaging_table: DecisionTable
    rate_window: float
    window_assumed: bool
    max_connections: int
    max_body: int
    ssl_context: ssl.SSLContext | None
    trust_env: bool
    validate: bool
    reject_unknown: bool
    pacing: PacingBackend | None
    on_attempt: AttemptHook | None = None
    telemetry: Telemetry | None = None

    def __repr__(self) -> str:  # never the key
        return f"KanalSettings(store_id={self.store_id}, base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        """The base URL, without a trailing slash."""
        return str(self.url)


_OPTIONS = frozenset(KanalOptions.__annotations__)


def settings(api_key: object, store_id: object, options: KanalOptions) -> KanalSettings:
    """Check a client's arguments, in the caller's thread, before anything is built.

    Raises:
        ConfigurationError: an argument is missing or out of range; the message names it.
    """
    unknown = set(options) - _OPTIONS
    if unknown:
        msg = f"unknown option(s) {', '.join(sorted(unknown))}: see KanalOptions"
        raise ConfigurationError(msg)
    url = check_base_url(
        options.get("base_url", DEFAULT_BASE_URL),
        allow_insecure_http=options.get("allow_insecure_http", False),
    )
    unknown_fields = options.get("unknown_fields", "reject")
    if unknown_fields not in ("reject", "send"):
        msg = f"unknown_fields must be 'reject' or 'send', got {unknown_fields!r}"
        raise ConfigurationError(msg)
    rate_window = options.get("rate_window", RATE_WINDOW)
    if not rate_window > 0:
        msg = f"rate_window must be a positive number of seconds, got {rate_window!r}"
        raise ConfigurationError(msg)
    retry = options.get("retry")
    return KanalSettings(
        api_key=_api_key(api_key),
        store_id=_store_id(store_id),
        url=url,
        retry=retry if retry is not None else RetryPolicy(),
        table=options.get("table", KANAL_TABLE),
        messaging_table=options.get("messaging_table", KANAL_MESSAGING_TABLE),
        rate_window=rate_window,
        window_assumed="rate_window" not in options,
        max_connections=options.get("max_connections", 100),
        max_body=options.get("max_body", DEFAULT_MAX_BODY),
        ssl_context=options.get("ssl_context"),
        trust_env=options.get("trust_env", False),
        validate=options.get("validate", True),
        reject_unknown=unknown_fields == "reject",
        on_attempt=options.get("on_attempt"),
        telemetry=options.get("telemetry"),
        pacing=resolve_pacing(options.get("pacing")),
    )


class AsyncKanal(EngineClient):
    """The async client of one Kanal store, and of the key's WhatsApp messaging.

    Use it as an async context manager (or call `aclose()`): it holds an aiohttp session,
    shared by both APIs.

    Args:
        api_key: the store's API key, sent as ``Authorization: Bearer``. Opaque: any format.
            ``None`` (the default): read from the ``KANAL_API_KEY`` environment variable.
        store_id: the numeric id of the store; ``None`` for a messaging-only client (the key
            resolves to its WhatsApp number), whose commerce calls raise `ConfigurationError`.
        **options: see `KanalOptions` (base_url, retry, table, rate_window, validate ...).

    Raises:
        ConfigurationError: an argument is missing or out of range.
    """

    _api_name = "Kanal"
    _unreadable_consequence = (
        "the write was most likely applied, and resending it is safe (idempotent)."
    )

    def __init__(
        self,
        api_key: str | None = None,
        store_id: int | str | None = None,
        **options: Unpack[KanalOptions],
    ) -> None:
        config = settings(api_key, store_id, options)
        self.store_id = config.store_id
        self.base_url = config.base_url
        self.retry = config.retry
        self.table = config.table
        self.messaging_table = config.messaging_table
        self.scope = f"kanal store {config.store_id}" if config.store_id else "kanal (no store)"
        self._validate = config.validate
        self._reject_unknown = config.reject_unknown
        self._pace_key = str(config.store_id)  # "None" without a store: nothing is sent then
        self._store = str(config.store_id)
        transport = Transport(
            base_url=config.url,
            headers={
                "Authorization": f"Bearer {config.api_key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": user_agent(VERSION),
            },
            connect_timeout=config.retry.connect_timeout,
            max_connections=config.max_connections,
            max_body=config.max_body,
            ssl_context=config.ssl_context,
            trust_env=config.trust_env,
        )
        self._engine = Engine(
            transport=transport,
            table=config.table,
            parse_error=parse_error,
            policy=config.retry,
            pacer=Pacer(
                window=config.rate_window,
                assumed=config.window_assumed,
                backend=config.pacing,
                api="kanal",
                base_url=config.base_url,
                private=frozenset({"messaging"}),  # the messaging limit is the key's own
            ),
            secrets=(config.api_key,),
            on_attempt=fan_out([config.on_attempt] if config.on_attempt else []),
            observer=config.telemetry,
        )
        self._messaging = MessagingChannel(
            owner=self,
            transport=transport,
            pacer=self._engine.pacer,
            table=config.messaging_table,
            retry=config.retry,
            secret=config.api_key,
            validate=config.validate,
            reject_unknown=config.reject_unknown,
            on_attempt=fan_out([config.on_attempt] if config.on_attempt else []),
            telemetry=config.telemetry,
        )
        self._bind_resources()

    def _bind_resources(self) -> None:
        self.orders = AsyncOrders(self)
        self.checkouts = AsyncCheckouts(self)
        self.customers = AsyncCustomers(self)
        self.shipments = AsyncShipments(self)
        messaging = self._messaging
        self.messages = AsyncMessages(messaging)
        self.templates = AsyncTemplates(messaging)
        self.automations = AsyncAutomations(messaging)
        self.account = AsyncAccount(messaging)

    def with_options(
        self, *, retry: RetryPolicy | None = None, timeout: float | None = None
    ) -> Self:
        """A view of this client with another retry policy or attempt timeout, for some calls.

        The view shares the HTTP session, the pacer and the counters: it costs no connection,
        and closing it closes nothing (close the client itself)::

            patient = kanal.with_options(retry=RetryPolicy(max_attempts=20, deadline=600))
            await patient.orders.upsert(order)

        Args:
            retry: the retry policy of the view's calls (default: this client's).
            timeout: the time limit of each attempt, in seconds (``RetryPolicy.attempt_timeout``).
        """
        policy = retry if retry is not None else self.retry
        if timeout is not None:
            policy = evolve(policy, attempt_timeout=timeout)
        view = copy.copy(self)
        view.retry = policy
        view._root = self._root or self
        view._engine = self._engine.with_policy(policy)
        view._messaging = self._messaging.view(view, policy)
        view._bind_resources()
        return view

    def __repr__(self) -> str:
        return f"AsyncKanal(store_id={self.store_id}, base_url={self.base_url!r})"

    # The hooks of `EngineClient.call`, in Kanal's words.

    def _path_value(self, endpoint: Endpoint[Any], name: str, value: object) -> str:
        if name == "store_id":
            if self.store_id is None:
                msg = (
                    f"{endpoint.name} is a commerce call and needs a store: build the client "
                    "with AsyncKanal(api_key, store_id=...) (this one has no store_id, so it "
                    "reaches the messaging API only)"
                )
                raise ConfigurationError(msg)
            return self._store
        where = endpoint.path.replace("{store_id}", self._store)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError.before_sending(
                method=endpoint.method,
                path=where,
                field_errors={name: ["The external id field is required."]},
            )
        if value != value.strip():
            # Kanal trims ids in bodies but not in paths: " x " was stored as "x", and a
            # DELETE of " x " would answer success while "x" stays (a GDPR trap).
            raise ValidationError.before_sending(
                method=endpoint.method,
                path=where,
                field_errors={
                    name: [
                        "The external id must not start or end with whitespace: Kanal stored "
                        "it trimmed, so give the trimmed id."
                    ]
                },
            )
        return value

    def _json_body(self, endpoint: Endpoint[Any], body: object, path: str) -> Any:
        data: Any
        if type(body) is dict or isinstance(body, Mapping):  # a dict first: cheapest test
            data = to_wire_mapping(body)
        elif endpoint.model is not None and isinstance(body, endpoint.model):
            data = to_wire(body)
        else:
            data = body  # validate() names what is wrong with it
        if self._validate:
            schema: schemas.Schema = endpoint.schema  # type: ignore[assignment]
            errors = schemas.validate(schema, data, reject_unknown=self._reject_unknown)
            if not errors and endpoint.method == "PATCH" and not data:
                fields = ", ".join(sorted(schema.known_keys()))
                errors = {"": [f"Nothing to update: give at least one of {fields}."]}
            if errors:
                raise ValidationError.before_sending(
                    method=endpoint.method, path=path, field_errors=errors
                )
        return data

    def _read_answer(self, endpoint: Endpoint[_T], reply: Reply, path: str) -> _T:
        answer = endpoint.answer
        if answer is None:
            return None  # type: ignore[return-value]  # Endpoint[None]: nothing to read
        return self._decode(
            reply, lambda data: from_wire(data, answer), method=endpoint.method, path=path
        )
