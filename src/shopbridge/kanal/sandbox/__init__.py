"""The Kanal sandbox: an in-memory fake of Kanal's commerce API, on loopback.

Faithful to ``specs/kanal.md`` and to Kanal's errors page: the bearer-key and store checks
in the documented order with their exact ``{"error": ...}`` bodies, Laravel's 422 validation
bodies (from `shopbridge.kanal._validation.schemas`), upserts keyed on
``(store_id, external_id)``, the
documented response bodies, Laravel's fixed-window rate limiter and its headers; plus seeded
fault injection and read-only inspection routes (see `shopbridge._sandbox.server`).

As a server for async code::

    async with KanalSandbox() as sandbox:
        kanal = AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url)
        async with kanal:
            await kanal.orders.upsert(order)
        assert sandbox.writes(DEFAULT_STORE_ID, "orders", order.external_id) == 1

for blocking code, on a background thread::

    with KanalSandbox(faults="503=0.1,drop_after=0.05", seed=7).running_in_thread() as sandbox:
        ...

and from the command line: ``shopbridge sandbox kanal --port 8080``.

The default accounts: `DEFAULT_API_KEY` belongs to team A, which owns store 1 and the paused
store 2; `OTHER_TEAM_API_KEY` belongs to team B, which owns store 3; `SINGLE_STORE_API_KEY` is
team A's key that Kanal restricted to store 1 (spec §2.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from attrs import Factory, field, frozen, validators

from shopbridge._sandbox.faults import NO_FAULTS, Faults, FaultSpecError
from shopbridge._sandbox.ratelimit import DEFAULT_RATE_LIMIT, RateLimit
from shopbridge._sandbox.records import StoredRecord
from shopbridge._sandbox.responses import json_response
from shopbridge._sandbox.routing import Route
from shopbridge._sandbox.server import SandboxServer
from shopbridge._sandbox.stats import SandboxStats
from shopbridge.kanal._validation.schemas import (
    CHECKOUT,
    CHECKOUT_UPDATE,
    CUSTOMER,
    ORDER,
    ORDER_UPDATE,
    SHIPMENT,
    Schema,
    summary_message,
    validate,
)
from shopbridge.kanal.sandbox import _laravel as laravel
from shopbridge.kanal.sandbox._messaging import (
    MESSAGING_ROUTE_NAMES,
    MESSAGING_ROUTES,
    MessagingSandbox,
)
from shopbridge.kanal.sandbox._messaging_accounts import (
    ACTIVE_WEBHOOK_ID,
    DELETED_WEBHOOK_ID,
    INACTIVE_WEBHOOK_ID,
    OTHER_TEAM_WEBHOOK_ID,
    REENTRY_WEBHOOK_ID,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shopbridge._sandbox.ratelimit import RateLimitDecision

__all__ = [
    "ACTIVE_WEBHOOK_ID",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_API_KEY",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_STORE_ID",
    "DELETED_WEBHOOK_ID",
    "INACTIVE_WEBHOOK_ID",
    "NO_FAULTS",
    "OTHER_TEAM_API_KEY",
    "OTHER_TEAM_STORE_ID",
    "OTHER_TEAM_WEBHOOK_ID",
    "PAUSED_STORE_ID",
    "REENTRY_WEBHOOK_ID",
    "SINGLE_STORE_API_KEY",
    "FaultSpecError",
    "Faults",
    "KanalAccounts",
    "KanalApiKey",
    "KanalSandbox",
    "KanalStore",
    "MessagingSandbox",
    "RateLimit",
    "SandboxStats",
    "StoredRecord",
]

DEFAULT_API_KEY = "sandbox-key"
"""Team A's key: authorised for every store team A owns (1, and the paused 2)."""
OTHER_TEAM_API_KEY = "other-team-key"
"""Team B's key: authorised for store 3 only, so it gets 403 on stores 1 and 2."""
SINGLE_STORE_API_KEY = "store-1-key"
"""A team A key that Kanal restricted to store 1: 403 on any other store."""
DEFAULT_STORE_ID = 1
"""Team A's active store."""
PAUSED_STORE_ID = 2
"""Team A's paused store: every request for it gets 404 "Store not found or paused"."""
OTHER_TEAM_STORE_ID = 3
"""Team B's store."""


@frozen(kw_only=True)
class KanalStore:
    """A store in Kanal.

    Attributes:
        id: the ``store_id`` of the URLs.
        team: the team that owns it.
        paused: a paused store answers 404 "Store not found or paused".
    """

    id: int = field(validator=validators.ge(0))
    team: str
    paused: bool = False


@frozen(kw_only=True)
class KanalApiKey:
    """An API key.

    Attributes:
        token: the bearer token.
        team: the team that created it; a team-wide key works for every store of the team.
        store_id: set when Kanal restricted the key to this one store.
    """

    token: str = field(validator=validators.min_len(1))
    team: str
    store_id: int | None = None

    def authorizes(self, store: KanalStore) -> bool:
        """Whether this key may write into `store` (spec §2.3)."""
        if self.store_id is not None:
            return store.id == self.store_id
        return store.team == self.team


def _by_id(accounts: KanalAccounts) -> dict[int, KanalStore]:
    return {store.id: store for store in accounts.stores}


def _by_token(accounts: KanalAccounts) -> dict[str, KanalApiKey]:
    return {key.token: key for key in accounts.keys}


@frozen(kw_only=True)
class KanalAccounts:
    """The stores and keys a sandbox knows.

    Raises:
        ValueError: two stores share an id, or two keys a token.
    """

    stores: tuple[KanalStore, ...]
    keys: tuple[KanalApiKey, ...]
    _stores: dict[int, KanalStore] = field(
        init=False, repr=False, eq=False, default=Factory(_by_id, takes_self=True)
    )
    _keys: dict[str, KanalApiKey] = field(
        init=False, repr=False, eq=False, default=Factory(_by_token, takes_self=True)
    )

    def __attrs_post_init__(self) -> None:
        if len(self._stores) != len(self.stores):
            msg = "two stores share an id"
            raise ValueError(msg)
        if len(self._keys) != len(self.keys):
            msg = "two API keys share a token"
            raise ValueError(msg)

    def store(self, store_id: int) -> KanalStore | None:
        """The store with this id, if any."""
        return self._stores.get(store_id)

    def key(self, token: str) -> KanalApiKey | None:
        """The key with this token, if any."""
        return self._keys.get(token)


DEFAULT_ACCOUNTS = KanalAccounts(
    stores=(
        KanalStore(id=DEFAULT_STORE_ID, team="team-a"),
        KanalStore(id=PAUSED_STORE_ID, team="team-a", paused=True),
        KanalStore(id=OTHER_TEAM_STORE_ID, team="team-b"),
    ),
    keys=(
        KanalApiKey(token=DEFAULT_API_KEY, team="team-a"),
        KanalApiKey(token=OTHER_TEAM_API_KEY, team="team-b"),
        KanalApiKey(token=SINGLE_STORE_API_KEY, team="team-a", store_id=DEFAULT_STORE_ID),
    ),
)
"""Team A (`DEFAULT_API_KEY`, `SINGLE_STORE_API_KEY`) owns stores 1 and 2 (paused); team B
(`OTHER_TEAM_API_KEY`) owns store 3."""

# -- rendering: the response bodies of spec §3.3, 3.5, 3.7 and 3.9 ------------------------------


def _integer(value: Any) -> int | None:
    # Validated as an integer already: 7, 7.0 or "7".
    if value is None:
        return None
    return int(value) if isinstance(value, int | str) else int(float(value))


def _tags(data: Mapping[str, Any]) -> list[Any]:
    return list(data.get("tags") or [])


def _render_order(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "external_id": data["external_id"],
        "store_id": store_id,
        "total_price": laravel.decimal_2(data["total_price"]),
        "currency": data.get("currency"),
        "financial_status": data.get("financial_status"),
        "fulfillment_status": data.get("fulfillment_status"),
        "tags": _tags(data),
        "created_at": laravel.iso_timestamp(data["placed_at"]),
    }


def _render_checkout(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "external_id": data["external_id"],
        "store_id": store_id,
        "status": data["status"],
        "total_price": laravel.decimal_2(data["total_price"]),
        "currency": data.get("currency"),
        "recovery_url": data.get("recovery_url"),
        "tags": _tags(data),
        "created_at": laravel.iso_timestamp(data["abandoned_at"]),
    }


def _render_customer(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "external_id": data.get("external_id"),
        "store_id": store_id,
        "first_name": data.get("first_name"),
        "last_name": data.get("last_name"),
        "email": data.get("email"),
        "locale": data.get("locale"),
        "tags": _tags(data),
        "lifetime_value": _integer(data.get("lifetime_value")),
        "orders_count": _integer(data.get("orders_count")),
    }


def _render_shipment(store_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "external_id": data["external_id"],
        "store_id": store_id,
        "order_id": data.get("order_id"),
        "tracking_number": data.get("tracking_number"),
        "tracking_url": data.get("tracking_url"),
        "carrier": data.get("carrier"),
        "status": data.get("status"),
    }


@frozen(kw_only=True)
class _Resource:
    name: str
    schema: Schema
    render: Callable[[int, Mapping[str, Any]], dict[str, Any]]
    update_schema: Schema | None = None
    not_found: str = ""


_RESOURCES = {
    resource.name: resource
    for resource in (
        _Resource(
            name="orders",
            schema=ORDER,
            render=_render_order,
            update_schema=ORDER_UPDATE,
            not_found="Order not found",
        ),
        _Resource(
            name="checkouts",
            schema=CHECKOUT,
            render=_render_checkout,
            update_schema=CHECKOUT_UPDATE,
            not_found="Checkout not found",
        ),
        _Resource(
            name="customers",
            schema=CUSTOMER,
            render=_render_customer,
            not_found="Customer not found",
        ),
        _Resource(name="shipments", schema=SHIPMENT, render=_render_shipment),
    )
}

_STORE_PATH = "/api/v1/stores/{store_id}"
_ROUTES = (
    Route("POST", f"{_STORE_PATH}/orders", "orders"),
    Route("PATCH", f"{_STORE_PATH}/orders/{{external_id}}", "orders"),
    Route("POST", f"{_STORE_PATH}/checkouts", "checkouts"),
    Route("PATCH", f"{_STORE_PATH}/checkouts/{{external_id}}", "checkouts"),
    Route("POST", f"{_STORE_PATH}/customers", "customers"),
    Route("DELETE", f"{_STORE_PATH}/customers/{{external_id}}", "customers"),
    Route("POST", f"{_STORE_PATH}/shipments", "shipments"),
)

_STORE_ID = re.compile(r"[0-9]{1,18}")

# -- requests -------------------------------------------------------------------------------


def _error(status: int, message: str) -> web.Response:
    return json_response(status, {"error": message})


def _bearer_token(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _validation_failed(errors: dict[str, list[str]]) -> web.Response:
    return json_response(422, {"message": summary_message(errors), "errors": errors})


class KanalSandbox(SandboxServer):
    """An in-memory Kanal commerce API on ``aiohttp.web``.

    Args:
        accounts: the stores and keys (default: `DEFAULT_ACCOUNTS`).
        host: the address to listen on.
        port: the port; 0 picks a free one.
        rate_limit: the per-store limit (default 60 per 60 s), or ``None`` for none.
        faults: the faults to inject, as `Faults` or a compact spec (``"503=0.1,drop_after=0.02"``).
        seed: the seed of the fault generator; ``None`` seeds from the operating system.
        missing_delete: the answer to deleting an unknown (or already deleted) customer: 204,
            as the customers page says, or 404 ``{"error": "Customer not found"}``, as the
            errors page suggests.

    Raises:
        FaultSpecError: `faults` is a spec string that cannot be read.
        ValueError: `missing_delete` is neither 204 nor 404.
    """

    api_name = "kanal"
    api_root = "/api/v1"
    scopes_name = "stores"
    resources = tuple(_RESOURCES)

    def __init__(
        self,
        *,
        accounts: KanalAccounts = DEFAULT_ACCOUNTS,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        faults: Faults | str = NO_FAULTS,
        seed: int | None = 0,
        missing_delete: Literal[204, 404] = 204,
    ) -> None:
        if missing_delete not in (204, 404):
            msg = f"missing_delete must be 204 or 404, got {missing_delete!r}"
            raise ValueError(msg)
        self.accounts = accounts
        self.missing_delete = missing_delete
        self.messaging = MessagingSandbox(
            lambda token: key.team if (key := accounts.key(token)) is not None else None
        )
        """The messaging API's state: subscriptions, templates, windows, what was sent."""
        super().__init__(host=host, port=port, rate_limit=rate_limit, faults=faults, seed=seed)

    def describe(self) -> list[str]:
        """Lines for a human: the keys, the stores, the limit, the faults, the inspection URL."""
        lines = ["API keys:"]
        for key in self.accounts.keys:
            scope = f"store {key.store_id} only" if key.store_id is not None else "team-wide"
            lines.append(f"  {key.token:<20} {key.team}, {scope}")
        stores = ", ".join(
            f"{store.id} ({store.team}{', paused' if store.paused else ''})"
            for store in self.accounts.stores
        )
        rate = self.rate_limit
        limit = f"{rate.limit} requests per {rate.window:g} s per store" if rate else "off"
        return [
            *lines,
            f"Stores: {stores}",
            f"Rate limit: {limit}",
            f"Faults: {self.faults.spec()}",
            *super().describe(),
        ]

    # -- SandboxServer hooks ------------------------------------------------------------------

    def _routes(self) -> Sequence[Route]:
        return (*_ROUTES, *MESSAGING_ROUTES)

    def inspection_views(self) -> Mapping[str, Callable[[], Any]]:
        """The messaging views: ``/_sandbox/messages``, ``templates``, ``automation-triggers``."""
        return self.messaging.inspection_views()

    def reset(self) -> None:
        """Forget every record, counter, window and message sent; keep the configuration."""
        super().reset()
        self.messaging.reset()

    def _not_found(self) -> web.StreamResponse:
        return laravel.route_not_found()

    def _method_not_allowed(
        self, method: str, raw_path: str, allowed: tuple[str, ...]
    ) -> web.StreamResponse:
        return laravel.method_not_allowed(method, raw_path, allowed)

    def _too_many_requests(self, decision: RateLimitDecision) -> web.StreamResponse:
        return laravel.too_many_attempts(decision)

    def parse_scope(self, text: str) -> int | None:
        """The store id in `text`, if a store has it."""
        if _STORE_ID.fullmatch(text) is None:
            return None
        store = self.accounts.store(int(text))
        return None if store is None else store.id

    def scopes(self) -> list[int | str]:
        """Every store id."""
        return [store.id for store in self.accounts.stores]

    async def _handle(
        self, request: web.BaseRequest, route: Route, params: Mapping[str, str]
    ) -> web.StreamResponse:
        if route.name in MESSAGING_ROUTE_NAMES:
            return await self.messaging.handle(request, route, params)
        store = self._authorize(request.headers.get("Authorization"), params["store_id"])
        if isinstance(store, web.Response):
            return store
        decision = self._count_hit(store.id)
        if decision is not None and not decision.allowed:
            return self._too_many_requests(decision)
        resource = _RESOURCES[route.name]
        external_id = params.get("external_id")
        response: web.Response
        if external_id is None:
            response = self._upsert(resource, store.id, await laravel.read_input(request))
        elif route.method == "PATCH":
            response = self._update(
                resource, store.id, external_id, await laravel.read_input(request)
            )
        else:
            response = self._delete(resource, store.id, external_id)
        if decision is not None:
            response.headers.update(decision.headers())
        return response

    # -- the checks and the writes ------------------------------------------------------------

    def _authorize(self, authorization: str | None, store_text: str) -> KanalStore | web.Response:
        """The store, or the refusal: in the order of spec §9.2 (401, 401, 404, 403)."""
        token = _bearer_token(authorization)
        if token is None:
            return _error(401, "API key is missing")
        key = self.accounts.key(token)
        if key is None:
            return _error(401, "Invalid API key")
        store_id = int(store_text) if _STORE_ID.fullmatch(store_text) else None
        store = self.accounts.store(store_id) if store_id is not None else None
        if store is None or store.paused:
            return _error(404, "Store not found or paused")
        if not key.authorizes(store):
            return _error(403, "API key does not authorize this store")
        return store

    def _upsert(self, resource: _Resource, store_id: int, body: dict[str, Any]) -> web.Response:
        errors = validate(resource.schema, body)
        if errors:
            return _validation_failed(errors)
        # Laravel keeps the validated keys only; unknown top-level keys are dropped.
        known = resource.schema.known_keys()
        data = {key: value for key, value in body.items() if key in known}
        # A customer without an external_id is keyed by its phone (spec §3.7).
        key = str(data.get("external_id") or data["phone"])
        previous = self._records.live(store_id, resource.name, key)
        if resource.name == "checkouts":
            # `status` is not a POST field: a new checkout is abandoned, a re-POST keeps it.
            data["status"] = previous.data["status"] if previous is not None else "abandoned"
        elif resource.name == "shipments":
            order = self._records.live(store_id, "orders", str(data["order_external_id"]))
            data["order_id"] = order.id if order is not None else None
        record, created = self._records.put(store_id, resource.name, key, data)
        return json_response(201 if created else 200, resource.render(store_id, record.data))

    def _update(
        self, resource: _Resource, store_id: int, external_id: str, body: dict[str, Any]
    ) -> web.Response:
        schema = resource.update_schema
        assert schema is not None  # noqa: S101 - only orders and checkouts have PATCH routes
        errors = validate(schema, body)
        if errors:
            return _validation_failed(errors)
        known = schema.known_keys()
        changes = {key: value for key, value in body.items() if key in known}
        record = self._records.update(store_id, resource.name, external_id, changes)
        if record is None:
            return _error(404, resource.not_found)
        return json_response(200, resource.render(store_id, record.data))

    def _delete(self, resource: _Resource, store_id: int, external_id: str) -> web.Response:
        deleted = self._records.delete(store_id, resource.name, external_id)
        if deleted is None and self.missing_delete == 404:
            return _error(404, resource.not_found)
        return web.Response(status=204)
