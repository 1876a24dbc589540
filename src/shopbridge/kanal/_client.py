"""`AsyncKanal`: the async client of Kanal's commerce API (7 endpoints, 4 resources).

::

    async with AsyncKanal(api_key, store_id=123) as kanal:
        result = await kanal.orders.upsert(order)  # Upserted[OrderRecord]
        result.created  # True: 201, False: 200

Every call is validated with Kanal's own rules before it is sent, paced by the store's
rate-limit window, retried where Kanal's decision table says so (429 after ``Retry-After``,
5xx and network errors with backoff; writes are idempotent on ``(store_id, external_id)``),
and ends in a typed result or a typed `RequestError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

from shopbridge._version import VERSION
from shopbridge.core._client_base import EngineClient
from shopbridge.core._engine import Engine, Reply, Request
from shopbridge.core._errors import ConfigurationError, ValidationError
from shopbridge.core._pacing import Pacer
from shopbridge.core._transport import Transport, check_base_url, user_agent
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.kanal._models import (
    Upserted,
)
from shopbridge.kanal._resources import AsyncCheckouts, AsyncCustomers, AsyncOrders, AsyncShipments
from shopbridge.kanal._table import KANAL_TABLE, parse_error
from shopbridge.kanal._validation import schemas as rules
from shopbridge.kanal._wire import from_wire, to_wire, to_wire_mapping

if TYPE_CHECKING:
    import ssl

    from shopbridge.core.sansio._table import DecisionTable

__all__ = [
    "DEFAULT_BASE_URL",
    "RATE_WINDOW",
    "AsyncCheckouts",
    "AsyncCustomers",
    "AsyncKanal",
    "AsyncOrders",
    "AsyncShipments",
]

DEFAULT_BASE_URL = "https://api.getkanal.com/api/v1"
RATE_WINDOW = 60.0
"""Kanal's rate-limit window in seconds: 60 requests per minute per store."""

_T = TypeVar("_T")


def _store_id(value: object) -> int:
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


def _api_key(value: object) -> str:
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


class AsyncKanal(EngineClient):
    """The async client of one Kanal store.

    Use it as an async context manager (or call `aclose()`): it holds an aiohttp session.

    Args:
        api_key: the store's API key, sent as ``Authorization: Bearer``. Opaque: any format.
        store_id: the numeric id of the store.
        base_url: the API's base URL, up to and including ``/api/v1``.
        retry: how long and how often one call may be tried.
        table: the decision table (``KANAL_TABLE``, or a copy with rows of your own).
        rate_window: the store's rate-limit window in seconds (Kanal: 60). The pacer assumes
            it until a 429 reveals the real one.
        max_connections: the connection pool's size.
        ssl_context: a custom SSL context (corporate CA, client certificate).
        trust_env: take proxy settings from the environment (``HTTPS_PROXY`` ...).
        allow_insecure_http: allow ``http://`` to hosts other than this machine.
        validate: check records with Kanal's rules before sending them (the default). Off,
            invalid records reach the server and come back as 422.
        unknown_fields: ``"reject"`` (the default) refuses a field Kanal does not know, which
            Kanal would silently ignore; ``"send"`` sends it anyway.
    """

    _api_name = "Kanal"
    _unreadable_consequence = (
        "the write was most likely applied, and resending it is safe (idempotent)."
    )

    def __init__(
        self,
        api_key: str,
        store_id: int | str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        retry: RetryPolicy | None = None,
        table: DecisionTable = KANAL_TABLE,
        rate_window: float = RATE_WINDOW,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
        trust_env: bool = False,
        allow_insecure_http: bool = False,
        validate: bool = True,
        unknown_fields: Literal["reject", "send"] = "reject",
    ) -> None:
        key = _api_key(api_key)
        self.store_id = _store_id(store_id)
        url = check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.base_url = str(url)
        if unknown_fields not in ("reject", "send"):
            msg = f"unknown_fields must be 'reject' or 'send', got {unknown_fields!r}"
            raise ConfigurationError(msg)
        if not rate_window > 0:
            msg = f"rate_window must be a positive number of seconds, got {rate_window!r}"
            raise ConfigurationError(msg)
        self.retry = retry if retry is not None else RetryPolicy()
        self.table = table
        self._validate = validate
        self._reject_unknown = unknown_fields == "reject"
        self._prefix = f"/stores/{self.store_id}"
        self._pace_key = str(self.store_id)
        transport = Transport(
            base_url=url,
            headers={
                "Authorization": f"Bearer {key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": user_agent(VERSION),
            },
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
            pacer=Pacer(window=rate_window),
            secrets=(key,),
        )
        self.orders = AsyncOrders(self)
        self.checkouts = AsyncCheckouts(self)
        self.customers = AsyncCustomers(self)
        self.shipments = AsyncShipments(self)

    def __repr__(self) -> str:
        return f"AsyncKanal(store_id={self.store_id}, base_url={self.base_url!r})"

    def _body(
        self, schema: rules.Schema, record: object, model: type, *, method: str, path: str
    ) -> Any:
        body: Any
        if type(record) is dict or isinstance(record, Mapping):  # a dict first: cheapest test
            body = to_wire_mapping(record)
        elif isinstance(record, model):
            body = to_wire(record)
        else:
            body = record  # validate() names what is wrong with it
        if self._validate:
            errors = rules.validate(schema, body, reject_unknown=self._reject_unknown)
            if errors:
                raise ValidationError.before_sending(method=method, path=path, field_errors=errors)
        return body

    def _item_path(self, collection: str, external_id: object, *, method: str) -> str:
        path = f"{self._prefix}/{collection}"
        if not isinstance(external_id, str) or not external_id.strip():
            raise ValidationError.before_sending(
                method=method,
                path=f"{path}/{{external_id}}",
                field_errors={"external_id": ["The external id field is required."]},
            )
        if external_id != external_id.strip():
            # Kanal trims ids in bodies but not in paths: " x " was stored as "x", and a
            # DELETE of " x " would answer success while "x" stays (a GDPR trap).
            raise ValidationError.before_sending(
                method=method,
                path=f"{path}/{{external_id}}",
                field_errors={
                    "external_id": [
                        "The external id must not start or end with whitespace: Kanal stored "
                        "it trimmed, so give the trimmed id."
                    ]
                },
            )
        # One path segment whatever the id holds: "/" "?" "#" " " are encoded, and a bare
        # "." or ".." (which URL normalisation would resolve) too.
        segment = quote(external_id, safe="")
        if segment in (".", ".."):
            segment = segment.replace(".", "%2E")
        return f"{path}/{segment}"

    def _send(self, method: str, path: str, body: Any) -> Awaitable[Reply]:
        # Not a coroutine itself: the caller awaits the engine's directly, one frame less
        # on every suspension of the request.
        self._check_open()
        return self._engine.send(
            Request(
                method=method,
                path=path,
                json=body,
                idempotent=True,  # upserts, PATCH and DELETE all converge when replayed
                pace_key=self._pace_key,
            )
        )

    def _read(self, reply: Reply, cls: type[_T], *, method: str, path: str) -> _T:
        return self._decode(reply, lambda data: from_wire(data, cls), method=method, path=path)

    async def _upsert(
        self, collection: str, schema: rules.Schema, record: object, model: type, cls: type[_T]
    ) -> Upserted[_T]:
        path = f"{self._prefix}/{collection}"
        body = self._body(schema, record, model, method="POST", path=path)
        reply = await self._send("POST", path, body)
        created: bool | None = reply.status == 201
        if reply.after_ambiguous and not created:
            created = None  # the 200 may be the update of what our lost attempt created
        return Upserted(
            record=self._read(reply, cls, method="POST", path=path),
            created=created,
            verdict=reply.verdict,
            attempts=reply.attempts,
        )

    async def _update(
        self,
        collection: str,
        external_id: str,
        changes: object,
        *,
        schema: rules.Schema,
        model: type,
        cls: type[_T],
    ) -> _T:
        path = self._item_path(collection, external_id, method="PATCH")
        body = self._body(schema, changes, model, method="PATCH", path=path)
        if self._validate and not body:
            fields = ", ".join(sorted(schema.known_keys()))
            raise ValidationError.before_sending(
                method="PATCH",
                path=path,
                field_errors={"": [f"Nothing to update: give at least one of {fields}."]},
            )
        reply = await self._send("PATCH", path, body)
        return self._read(reply, cls, method="PATCH", path=path)

    async def _delete(self, collection: str, external_id: str) -> Reply:
        path = self._item_path(collection, external_id, method="DELETE")
        return await self._send("DELETE", path, None)
