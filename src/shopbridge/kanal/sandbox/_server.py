"""`KanalSandbox`: the kit's server with Kanal's checks, writes and answers.

A request for a store goes through the steps of spec §9.2, in order: bearer key missing or
unknown (401), store unknown or paused (404), store not authorised (403), rate limit (429),
validation (422, Laravel's body); then the write: an upsert keyed on
``(store_id, external_id)``, a ``PATCH`` merge, or a soft ``DELETE``. Unknown routes, wrong
methods and the 429 are Laravel's own answers (`shopbridge.kanal.sandbox._laravel`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from shopbridge._sandbox.faults import NO_FAULTS, Faults
from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge._sandbox.responses import json_response
from shopbridge._sandbox.server import SandboxServer
from shopbridge.kanal._validation.schemas import summary_message, validate
from shopbridge.kanal.sandbox import _laravel as laravel
from shopbridge.kanal.sandbox._accounts import DEFAULT_ACCOUNTS, KanalAccounts, KanalStore
from shopbridge.kanal.sandbox._messaging import (
    MESSAGING_ROUTE_NAMES,
    MESSAGING_ROUTES,
    MessagingSandbox,
)
from shopbridge.kanal.sandbox._routes import RESOURCES, ROUTES, STORE_ID, Resource

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from shopbridge._sandbox.ratelimit import RateLimitDecision
    from shopbridge._sandbox.routing import Route

__all__ = ["DEFAULT_RATE_LIMIT", "KanalSandbox"]

DEFAULT_RATE_LIMIT = RateLimit(limit=60, window=60.0)
"""Kanal's documented limit: 60 requests per 60 seconds per store (spec §6.1)."""


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
    resources = tuple(RESOURCES)

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
        return (*ROUTES, *MESSAGING_ROUTES)

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

    def _server_error_payload(self, status: int) -> Any:
        return laravel.server_error_payload(status)

    def parse_scope(self, text: str) -> int | None:
        """The store id in `text`, if a store has it."""
        if STORE_ID.fullmatch(text) is None:
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
        resource = RESOURCES[route.name]
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
        store_id = int(store_text) if STORE_ID.fullmatch(store_text) else None
        store = self.accounts.store(store_id) if store_id is not None else None
        if store is None or store.paused:
            return _error(404, "Store not found or paused")
        if not key.authorizes(store):
            return _error(403, "API key does not authorize this store")
        return store

    def _upsert(self, resource: Resource, store_id: int, body: dict[str, Any]) -> web.Response:
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
        self, resource: Resource, store_id: int, external_id: str, body: dict[str, Any]
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

    def _delete(self, resource: Resource, store_id: int, external_id: str) -> web.Response:
        deleted = self._records.delete(store_id, resource.name, external_id)
        if deleted is None and self.missing_delete == 404:
            return _error(404, resource.not_found)
        return web.Response(status=204)
