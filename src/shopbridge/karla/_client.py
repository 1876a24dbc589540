"""`AsyncKarla`: the async client of Karla's REST API, scoped to one shop.

::

    async with AsyncKarla("my-shop", api_key, "my-shop") as karla:
        await karla.orders.upsert(OrderUpsert(id="1001", order=placement, trackings=[]))
        async for order in karla.orders.search(order_placed_from=yesterday):
            ...

Every request body is validated with Karla's shapes before it is sent
(`shopbridge.karla._validation`),
paced per shop, retried where Karla's decision table allows it, and ends in a typed result or a
typed `RequestError`. Retrying follows what Karla deduplicates: ``PUT``, ``PATCH``, ``DELETE``
and ``GET`` are resent freely; a ``POST`` create is resent after an ambiguous failure and its
``409 *_exists`` then reads as "already existed" (`Created.already_existed`); a ``POST`` that is
neither (a shipment event, an image upload) is never resent after an ambiguous failure.

Bodies are JSON, except the image uploads (``multipart/form-data``, field ``image``, spec §1.1),
encoded once by `shopbridge.core.sansio._multipart` so that every attempt sends the same bytes.
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote, urlencode

from shopbridge._version import VERSION
from shopbridge.core._bodies import encode_file
from shopbridge.core._client_base import EngineClient
from shopbridge.core._engine import Engine, Reply, Request
from shopbridge.core._errors import ConfigurationError, ValidationError
from shopbridge.core._pacing import Pacer
from shopbridge.core._transport import Transport, check_base_url, user_agent
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._verdict import Action
from shopbridge.karla import _images as images
from shopbridge.karla import _validation as rules
from shopbridge.karla._collections import (
    AsyncAnnouncements,
    AsyncCampaigns,
    AsyncClaims,
    AsyncDiscounts,
    AsyncWebhooks,
)
from shopbridge.karla._models import Created
from shopbridge.karla._pages import Pages, check_paging
from shopbridge.karla._resources import AsyncOrders, AsyncSettings, AsyncShipments, AsyncShops
from shopbridge.karla._table import KARLA_TABLE, parse_error
from shopbridge.karla._wire import from_wire, to_wire, unwrap

if TYPE_CHECKING:
    import ssl
    from collections.abc import Awaitable, Mapping

    from shopbridge.core.sansio._table import DecisionTable

__all__ = ["DEFAULT_BASE_URL", "AsyncKarla"]

DEFAULT_BASE_URL = "https://api.gokarla.io/v1"
"""Karla's API, up to and including the major version."""

_T = TypeVar("_T")
_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
_PACING_WINDOW = 60.0  # Karla documents no limit; the pacer acts only on X-RateLimit-* answers


def _credential(name: str, value: object, hint: str) -> str:
    if not isinstance(value, str) or not value.strip():
        msg = f"{name} is empty: {hint}"
        raise ConfigurationError(msg)
    if value != value.strip() or any(ch in value for ch in "\r\n\t "):
        msg = f"{name} contains whitespace: copy it exactly as shown, nothing around it"
        raise ConfigurationError(msg)
    return value


def _segment(value: str) -> str:
    """One path segment, whatever `value` holds (``/``, ``?``, ``..`` included)."""
    segment = quote(value, safe="")
    return segment.replace(".", "%2E") if segment in (".", "..") else segment


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class AsyncKarla(EngineClient):
    """The async client of one Karla shop.

    Use it as an async context manager (or call `aclose()`): it holds an aiohttp session.

    Args:
        username: the API key's username (Karla's default: the shop slug).
        api_key: the API key, sent with the username as HTTP Basic credentials.
        shop_slug: the shop every shop-scoped path is under.
        base_url: the API's base URL, up to and including ``/v1``.
        api_version: a dated version (``2024-01-05``) sent as ``Karla-Version``; by default
            none is sent and Karla answers with its latest stable version.
        retry: how long and how often one call may be tried.
        table: the decision table (``KARLA_TABLE``, or a copy with rows of your own).
        max_connections: the connection pool's size.
        ssl_context: a custom SSL context.
        trust_env: take proxy settings from the environment.
        allow_insecure_http: allow ``http://`` to hosts other than this machine.
        validate: check request bodies before sending them (the default).
        unknown_fields: ``"reject"`` (the default) refuses a field Karla does not know, which
            FastAPI would silently drop; ``"send"`` sends it anyway.
    """

    _api_name = "Karla"
    _unreadable_consequence = "the request was most likely applied."

    def __init__(
        self,
        username: str,
        api_key: str,
        shop_slug: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str | None = None,
        retry: RetryPolicy | None = None,
        table: DecisionTable = KARLA_TABLE,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
        trust_env: bool = False,
        allow_insecure_http: bool = False,
        validate: bool = True,
        unknown_fields: Literal["reject", "send"] = "reject",
    ) -> None:
        user = _credential(
            "username", username, "pass the API key's username (by default the shop slug)"
        )
        if ":" in user:
            msg = "username must not contain ':' (HTTP Basic separates it from the key with one)"
            raise ConfigurationError(msg)
        key = _credential("api_key", api_key, "pass the key generated in the Karla portal")
        self.shop_slug = _credential("shop_slug", shop_slug, "pass the shop's slug")
        self.username = user
        url = check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.base_url = str(url)
        if api_version is not None and _API_VERSION.fullmatch(str(api_version)) is None:
            msg = f"api_version must be a date like '2024-01-05', got {api_version!r}"
            raise ConfigurationError(msg)
        if unknown_fields not in ("reject", "send"):
            msg = f"unknown_fields must be 'reject' or 'send', got {unknown_fields!r}"
            raise ConfigurationError(msg)
        self.api_version = api_version
        self.retry = retry if retry is not None else RetryPolicy()
        self.table = table
        self._validate = validate
        self._reject_unknown = unknown_fields == "reject"
        self.shop_path = f"/shops/{_segment(self.shop_slug)}"
        token = base64.b64encode(f"{user}:{key}".encode()).decode("ascii")
        headers = {
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": user_agent(VERSION),
        }
        if api_version is not None:
            headers["Karla-Version"] = api_version
        transport = Transport(
            base_url=url,
            headers=headers,
            connect_timeout=self.retry.connect_timeout,
            max_connections=max_connections,
            ssl_context=ssl_context,
            trust_env=trust_env,
        )
        self._engine = Engine(
            transport=transport,
            table=table,
            parse_error=parse_error,
            policy=self.retry,
            pacer=Pacer(window=_PACING_WINDOW),
            secrets=(key, token),
        )
        self.orders = AsyncOrders(self)
        self.shipments = AsyncShipments(self)
        self.shops = AsyncShops(self)
        self.settings = AsyncSettings(self)
        self.campaigns = AsyncCampaigns(self)
        self.discounts = AsyncDiscounts(self)
        self.announcements = AsyncAnnouncements(self)
        self.webhooks = AsyncWebhooks(self)
        self.claims = AsyncClaims(self)

    def __repr__(self) -> str:
        return f"AsyncKarla(shop_slug={self.shop_slug!r}, base_url={self.base_url!r})"

    # The pieces the resources are made of. Private to shopbridge.karla.

    def _path(self, *parts: str, shop: str | None = None) -> str:
        """A path under the client's shop (or `shop`), each part one encoded segment."""
        prefix = self.shop_path if shop is None else f"/shops/{_segment(shop)}"
        return prefix + "".join(f"/{_segment(part)}" for part in parts)

    def _id(self, value: object, name: str, *, method: str) -> str:
        """A path parameter, refused before sending when it is empty or not a string."""
        if not isinstance(value, str) or not value.strip():
            raise ValidationError.before_sending(
                method=method,
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

    def _body(
        self, schema: rules.Schema, record: object, *, method: str, path: str, many: bool = False
    ) -> Any:
        body = to_wire(record)
        if self._validate:
            check = rules.validate_many if many else rules.validate
            errors = check(schema, body, reject_unknown=self._reject_unknown)
            if errors:
                raise ValidationError.before_sending(method=method, path=path, field_errors=errors)
        return body

    def _send(
        self, method: str, path: str, body: Any = None, *, create: bool = False
    ) -> Awaitable[Reply]:
        self._check_open()
        return self._engine.send(
            Request(
                method=method,
                path=path,
                json=body,
                # POST is the one method Karla does not deduplicate; creates say so.
                idempotent=method != "POST",
                create=create,
                pace_key=self.shop_slug,
            )
        )

    def _read(self, reply: Reply, cls: type[_T], *, method: str, path: str) -> _T:
        if cls is object:  # an untyped answer: the JSON as it came
            return unwrap(reply.data)  # type: ignore[no-any-return]
        return self._decode(
            reply, lambda raw: from_wire(unwrap(raw), cls), method=method, path=path
        )

    async def _call(
        self,
        method: str,
        path: str,
        cls: type[_T],
        *,
        schema: rules.Schema | None = None,
        record: object = None,
    ) -> _T:
        body = None if schema is None else self._body(schema, record, method=method, path=path)
        reply = await self._send(method, path, body)
        return self._read(reply, cls, method=method, path=path)

    async def _json(
        self, method: str, path: str, schema: rules.Schema, record: object, *, many: bool = False
    ) -> Any:
        reply = await self._json_reply(method, path, schema, record, many=many)
        return unwrap(reply.data)

    async def _json_reply(
        self, method: str, path: str, schema: rules.Schema, record: object, *, many: bool = False
    ) -> Reply:
        """Validate and send; the reply itself (the bulk runner reads its verdict)."""
        body = self._body(schema, record, method=method, path=path, many=many)
        return await self._send(method, path, body)

    async def _create(
        self, path: str, schema: rules.Schema, record: object, cls: type[_T]
    ) -> Created[_T]:
        body = self._body(schema, record, method="POST", path=path)
        reply = await self._send("POST", path, body, create=True)
        if reply.verdict.action is Action.ALREADY_EXISTED:
            return Created(
                record=None, already_existed=True, verdict=reply.verdict, attempts=reply.attempts
            )
        return Created(
            record=self._read(reply, cls, method="POST", path=path),
            already_existed=False,
            verdict=reply.verdict,
            attempts=reply.attempts,
        )

    async def _upload(
        self,
        path: str,
        cls: type[_T],
        image: object,
        *,
        filename: str | None,
        content_type: str | None,
        errors: images.FieldErrors,
    ) -> _T:
        """Check, encode and send an image upload; `errors` may already hold the path's.

        A ``POST`` that is neither idempotent nor a create: after an ambiguous failure it is
        not resent (the ``*-not-deduplicated`` rows), as Karla may have stored the image.

        Raises:
            ValidationError: any field error, the path's included; nothing was sent.
        """
        loaded = await images.load_image(
            image, filename=filename, content_type=content_type, errors=errors
        )
        if errors or loaded is None:
            raise ValidationError.before_sending(method="POST", path=path, field_errors=errors)
        body, header = encode_file(
            name="image",
            filename=loaded.filename,
            content_type=loaded.content_type,
            data=loaded.data,
        )
        self._check_open()
        reply = await self._engine.send(
            Request(
                method="POST",
                path=path,
                body=body,
                content_type=header,
                idempotent=False,
                create=False,
                pace_key=self.shop_slug,
            )
        )
        return self._read(reply, cls, method="POST", path=path)

    async def _delete(self, path: str) -> None:
        await self._send("DELETE", path)

    def _search(
        self,
        path: str,
        cls: type[_T],
        filters: Mapping[str, object],
        *,
        page: int,
        per_page: int,
    ) -> Pages[_T]:
        check_paging(page, per_page, path=path)
        query = {name: _query_value(value) for name, value in filters.items() if value is not None}

        async def fetch(number: int, size: int) -> list[_T]:
            target = (
                f"{path}?{urlencode({**query, 'page': number, 'per_page': size}, quote_via=quote)}"
            )
            reply = await self._send("GET", target)
            return self._read(reply, list[cls], method="GET", path=path)  # type: ignore[valid-type]

        return Pages(fetch, page=page, per_page=per_page)
