"""`AsyncKarla`: the async client of Karla's REST API, scoped to one shop.

::

    async with AsyncKarla(username="my-shop", api_key=api_key, shop_slug="my-shop") as karla:
        await karla.orders.upsert(OrderUpsert(id="1001", order=placement, trackings=[]))
        async for order in karla.orders.search(order_placed_from=yesterday):
            ...

Each endpoint is described once in `shopbridge.karla._endpoints`; the resources call them
through `EngineClient.call`, and the hooks below fill in Karla's rules. Every request body is
validated with Karla's shapes before it is sent (`shopbridge.karla._validation`), paced per
shop, retried where Karla's decision table allows it, and ends in a typed result or a typed
`RequestError`. Retrying follows what Karla deduplicates: ``PUT``, ``PATCH``, ``DELETE`` and
``GET`` are resent freely; a ``POST`` create is resent after an ambiguous failure and its
``409 *_exists`` then reads as "already existed" (`Created.already_existed`); a ``POST`` that is
neither (a shipment event, an image upload) is never resent after an ambiguous failure.

Bodies are JSON, except the image uploads (``multipart/form-data``, field ``image``, spec §1.1),
encoded once by `shopbridge.karla._images` so that every attempt sends the same bytes.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import ssl
from datetime import date, datetime
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
from shopbridge.core.sansio._paths import segment
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._table import DecisionTable
from shopbridge.karla import _validation as rules
from shopbridge.karla._catalogue import AsyncProducts
from shopbridge.karla._collections import (
    AsyncAnnouncements,
    AsyncCampaigns,
    AsyncClaims,
    AsyncDiscounts,
    AsyncShopifyWebhooks,
    AsyncWebhooks,
)
from shopbridge.karla._images import ImageForm, RefusedImage
from shopbridge.karla._resources import (
    AsyncOrders,
    AsyncOrgs,
    AsyncSettings,
    AsyncShipments,
    AsyncShops,
)
from shopbridge.karla._table import KARLA_TABLE, parse_error
from shopbridge.karla._wire import from_wire, to_wire, unwrap

if TYPE_CHECKING:
    from shopbridge.core._endpoint import Endpoint
    from shopbridge.core._requests import Reply

__all__ = ["DEFAULT_BASE_URL", "AsyncKarla", "KarlaOptions", "KarlaSettings", "settings"]

DEFAULT_BASE_URL = "https://api.gokarla.io/v1"
"""Karla's API, up to and including the major version."""

_T = TypeVar("_T")
_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
_PACING_WINDOW = 60.0  # Karla documents no limit; the pacer acts only on X-RateLimit-* answers
_PLACEHOLDERS = frozenset({"image_type", "position"})
"""Path parameters the resource has checked already (with the body's field errors)."""


def _credential(name: str, value: object, hint: str) -> str:
    if not isinstance(value, str) or not value.strip():
        msg = f"{name} is empty: {hint}"
        raise ConfigurationError(msg)
    if value != value.strip() or any(ch in value for ch in "\r\n\t "):
        msg = f"{name} contains whitespace: copy it exactly as shown, nothing around it"
        raise ConfigurationError(msg)
    return value


class KarlaOptions(TypedDict, total=False):
    """The options of `AsyncKarla` and `Karla`, declared once for both.

    Attributes:
        base_url: the API's base URL, up to and including ``/v1``.
        api_version: a dated version (``2024-01-05``) sent as ``Karla-Version``; by default
            none is sent and Karla answers with its latest stable version.
        retry: how long and how often one call may be tried (default `RetryPolicy()`).
        table: the decision table (``KARLA_TABLE``, or a copy with rows of your own).
        max_connections: the connection pool's size (100).
        max_body: the largest answer body read, decompressed, in bytes (64 MiB); a larger
            one fails as ``answer_too_large``, never held in memory.
        ssl_context: a custom SSL context.
        trust_env: take proxy settings from the environment.
        allow_insecure_http: allow ``http://`` to hosts other than this machine.
        validate: check request bodies before sending them (the default).
        unknown_fields: ``"reject"`` (the default) refuses a field Karla does not know, which
            FastAPI would silently drop; ``"send"`` sends it anyway.
        on_attempt: called with an `AttemptEvent` after each attempt, on the event loop.
        telemetry: OpenTelemetry spans and counters (`Telemetry`, the ``otel`` extra).
        pacing: where the shop's rate-limit state is kept: this process (the default) or a
            `RedisPacing` (or its ``redis://`` URL) shared by every process and machine.
    """

    base_url: str
    api_version: str | None
    retry: RetryPolicy | None
    table: DecisionTable
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
class KarlaSettings:
    """A client's configuration, checked: what `settings` makes of the arguments."""

    username: str
    api_key: str
    shop_slug: str
    url: URL
    api_version: str | None
    retry: RetryPolicy
    table: DecisionTable
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
        return f"KarlaSettings(shop_slug={self.shop_slug!r}, base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        """The base URL, without a trailing slash."""
        return str(self.url)


_OPTIONS = frozenset(KarlaOptions.__annotations__)

API_KEY_ENV = "KARLA_API_KEY"
"""The environment variable the key is read from when it is not given."""


def settings(
    username: object, api_key: object, shop_slug: object, options: KarlaOptions
) -> KarlaSettings:
    """Check a client's arguments, in the caller's thread, before anything is built.

    Raises:
        ConfigurationError: an argument is missing or out of range; the message names it.
    """
    unknown = set(options) - _OPTIONS
    if unknown:
        msg = f"unknown option(s) {', '.join(sorted(unknown))}: see KarlaOptions"
        raise ConfigurationError(msg)
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV)
    if username is None:
        username = shop_slug  # Karla's default username is the shop's slug
    user = _credential(
        "username", username, "pass the API key's username (by default the shop slug)"
    )
    if ":" in user:
        msg = "username must not contain ':' (HTTP Basic separates it from the key with one)"
        raise ConfigurationError(msg)
    key = _credential(
        "api_key",
        api_key,
        f"pass the key generated in the Karla portal, or set {API_KEY_ENV}",
    )
    slug = _credential("shop_slug", shop_slug, "pass the shop's slug")
    if key in (user, slug):
        # Three strings in a row are easily given in the wrong order; no value is echoed.
        named = "username" if key == user else "shop_slug"
        msg = (
            f"api_key is the same string as {named}: the arguments look swapped; pass them by "
            "name, AsyncKarla(username=..., api_key=..., shop_slug=...)"
        )
        raise ConfigurationError(msg)
    url = check_base_url(
        options.get("base_url", DEFAULT_BASE_URL),
        allow_insecure_http=options.get("allow_insecure_http", False),
    )
    api_version = options.get("api_version")
    if api_version is not None and _API_VERSION.fullmatch(str(api_version)) is None:
        msg = f"api_version must be a date like '2024-01-05', got {api_version!r}"
        raise ConfigurationError(msg)
    unknown_fields = options.get("unknown_fields", "reject")
    if unknown_fields not in ("reject", "send"):
        msg = f"unknown_fields must be 'reject' or 'send', got {unknown_fields!r}"
        raise ConfigurationError(msg)
    retry = options.get("retry")
    return KarlaSettings(
        username=user,
        api_key=key,
        shop_slug=slug,
        url=url,
        api_version=api_version,
        retry=retry if retry is not None else RetryPolicy(),
        table=options.get("table", KARLA_TABLE),
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


class AsyncKarla(EngineClient):
    """The async client of one Karla shop.

    Use it as an async context manager (or call `aclose()`): it holds an aiohttp session.

    Pass the three strings by name: ``AsyncKarla(username="my-shop", api_key=key,
    shop_slug="my-shop")``; the positional order ``(username, api_key, shop_slug)`` works too,
    and a key equal to the username or the slug (two arguments swapped) is refused.

    Args:
        username: the API key's username; ``None`` (the default): the shop slug, Karla's own
            default.
        api_key: the API key, sent with the username as HTTP Basic credentials; ``None``
            (the default): read from the ``KARLA_API_KEY`` environment variable.
        shop_slug: the shop every shop-scoped path is under.
        **options: see `KarlaOptions` (base_url, api_version, retry, table, validate ...).

    Raises:
        ConfigurationError: an argument is missing or out of range.
    """

    _api_name = "Karla"
    _unreadable_consequence = "the request was most likely applied."

    def __init__(
        self,
        username: str | None = None,
        api_key: str | None = None,
        shop_slug: str | None = None,
        **options: Unpack[KarlaOptions],
    ) -> None:
        config = settings(username, api_key, shop_slug, options)
        self.shop_slug = config.shop_slug
        self.username = config.username
        self.base_url = config.base_url
        self.api_version = config.api_version
        self.retry = config.retry
        self.table = config.table
        self.scope = f"karla shop {config.shop_slug}"
        self.shop_path = f"/shops/{segment(config.shop_slug)}"
        self._validate = config.validate
        self._reject_unknown = config.reject_unknown
        self._pace_key = config.shop_slug
        credentials = f"{config.username}:{config.api_key}".encode()
        token = base64.b64encode(credentials).decode("ascii")
        headers = {
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": user_agent(VERSION),
        }
        if config.api_version is not None:
            headers["Karla-Version"] = config.api_version
        transport = Transport(
            base_url=config.url,
            headers=headers,
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
                window=_PACING_WINDOW,
                assumed=True,
                backend=config.pacing,
                api="karla",
                base_url=config.base_url,
            ),
            secrets=(config.api_key, token),
            on_attempt=fan_out([config.on_attempt] if config.on_attempt else []),
            observer=config.telemetry,
        )
        self._bind_resources()

    def _bind_resources(self) -> None:
        self.orders = AsyncOrders(self)
        self.shipments = AsyncShipments(self)
        self.shops = AsyncShops(self)
        self.settings = AsyncSettings(self)
        self.campaigns = AsyncCampaigns(self)
        self.discounts = AsyncDiscounts(self)
        self.announcements = AsyncAnnouncements(self)
        self.webhooks = AsyncWebhooks(self)
        self.claims = AsyncClaims(self)
        self.products = AsyncProducts(self)
        self.orgs = AsyncOrgs(self)
        self.shopify_webhooks = AsyncShopifyWebhooks(self)

    def with_options(
        self, *, retry: RetryPolicy | None = None, timeout: float | None = None
    ) -> Self:
        """A view of this client with another retry policy or attempt timeout, for some calls.

        The view shares the HTTP session, the pacer and the counters; closing it closes
        nothing (close the client itself).

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
        view._bind_resources()
        return view

    def __repr__(self) -> str:
        return f"AsyncKarla(shop_slug={self.shop_slug!r}, base_url={self.base_url!r})"

    # The hooks of `EngineClient.call`, in Karla's words.

    def _path_value(self, endpoint: Endpoint[Any], name: str, value: object) -> str:
        if name == "shop":
            # The client's shop, unless the call names another (``shops.get(slug)``).
            return self.shop_slug if value is None else str(value)
        if name in _PLACEHOLDERS:
            return str(value)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError.before_sending(
                method=endpoint.method,
                path=f"{self.shop_path}/...",
                field_errors={
                    name: [
                        "Input should be a valid string"
                        if not isinstance(value, str)
                        else "Field required"
                    ]
                },
            )
        return value

    def _json_body(self, endpoint: Endpoint[Any], body: object, path: str) -> Any:
        schema = endpoint.schema
        if isinstance(schema, ImageForm):
            # An upload reaches this hook only when refused: an encoded one is sent as it is.
            errors = body.errors if isinstance(body, RefusedImage) else {"image": ["Required"]}
            raise ValidationError.before_sending(
                method=endpoint.method, path=path, field_errors=errors
            )
        data = to_wire(body)
        if self._validate:
            rule: rules.Schema = schema  # type: ignore[assignment]  # Karla's endpoints' schemas
            check = rules.validate_many if endpoint.many else rules.validate
            errors = check(rule, data, reject_unknown=self._reject_unknown)
            if errors:
                raise ValidationError.before_sending(
                    method=endpoint.method, path=path, field_errors=errors
                )
        return data

    def _query_value(self, value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)

    def _read_answer(self, endpoint: Endpoint[_T], reply: Reply, path: str) -> _T:
        answer = endpoint.answer
        if answer is None:
            return None  # type: ignore[return-value]  # Endpoint[None]: nothing to read
        if answer is object:  # an untyped answer: the JSON as it came
            return unwrap(reply.data)  # type: ignore[no-any-return]
        return self._decode(
            reply, lambda raw: from_wire(unwrap(raw), answer), method=endpoint.method, path=path
        )
