"""The toy dialect's server, on the API-agnostic sandbox kit (`shopbridge._sandbox`).

The kit brings the seeded faults (429 with Retry-After, 5xx, drops before or after the write,
slow answers), the records and their write counts, the counters and the inspection routes; the
toy brings its two routes, its auth and its error bodies. A 401 echoes the key it refused, as
careless servers do, so that the client's redaction is put to the test.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import orjson

from shopbridge._sandbox.faults import FaultInjector, Faults
from shopbridge._sandbox.responses import json_response
from shopbridge._sandbox.routing import Route
from shopbridge._sandbox.server import SandboxServer
from tests.core.toy import API_KEY

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aiohttp import web

    from shopbridge._sandbox.ratelimit import RateLimit, RateLimitDecision

SHOPS = ("north", "south")


def _error(status: int, key: str, message: str, **fields: list[str]) -> web.Response:
    return json_response(status, {"error": {"key": key, "message": message, "fields": fields}})


class ToySandbox(SandboxServer):
    """The toy's server, on the sandbox kit: faults, rate limit, records, inspection."""

    api_name = "toy"
    api_root = "/toy"
    scopes_name = "shops"
    resources = ("items",)

    def __init__(
        self, *, faults: str = "none", seed: int | None = 0, rate_limit: RateLimit | None = None
    ) -> None:
        super().__init__(host="127.0.0.1", port=0, rate_limit=rate_limit, faults=faults, seed=seed)
        self._ids = itertools.count(1)

    def _routes(self) -> Sequence[Route]:
        return (
            Route("PUT", "/toy/{shop}/items/{id}", "put"),
            Route("POST", "/toy/{shop}/items", "create"),
        )

    async def _handle(
        self, request: web.BaseRequest, route: Route, params: Mapping[str, str]
    ) -> web.StreamResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token != API_KEY:
            return _error(401, "bad_key", f"the key {token!r} is not valid")
        shop = self.parse_scope(params["shop"])
        if shop is None:
            return _error(404, "no_shop", "no such shop")
        decision = self._count_hit(shop)
        if decision is not None and not decision.allowed:
            return self._too_many_requests(decision)
        item = orjson.loads(await request.read() or b"null")
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return _error(422, "invalid", "the item is invalid", name=["name is required"])
        key = params.get("id") or f"auto-{next(self._ids)}"
        record, created = self._records.put(shop, "items", key, item)
        return json_response(
            201 if created else 200,
            {"id": key, **record.data},
            headers=None if decision is None else decision.headers(),
        )

    def _not_found(self) -> web.StreamResponse:
        return _error(404, "no_route", "no such route")

    def _method_not_allowed(
        self, method: str, raw_path: str, allowed: tuple[str, ...]
    ) -> web.StreamResponse:
        return _error(405, "method", f"{method} is not allowed here")

    def _too_many_requests(self, decision: RateLimitDecision) -> web.StreamResponse:
        return json_response(429, {"error": {"key": "slow_down"}}, headers=decision.headers())

    def _server_error_payload(self, status: int) -> Any:
        return {"error": {"key": "server_error", "message": f"status {status}"}}

    def parse_scope(self, text: str) -> str | None:
        return text if text in SHOPS else None

    def scopes(self) -> list[int | str]:
        return list(SHOPS)


def seed_for(spec: str, *fates: str) -> int:
    """The first seed whose requests meet `fates` in order (``"ok"``, ``"slow"``, ``"503"``...).

    Asking the kit's own generator, so that a test meets exactly the faults it is about, in
    order, without racing the client.
    """
    faults = Faults.parse(spec)
    for seed in range(10_000):
        injector = FaultInjector(faults, seed=seed)
        drawn = []
        for _ in fates:
            plan = injector.plan()
            drawn.append("slow" if plan.delay else plan.kind.value if plan.kind else "ok")
        if drawn == list(fates):
            return seed
    msg = f"no seed plays {fates} with {spec!r}"
    raise LookupError(msg)
