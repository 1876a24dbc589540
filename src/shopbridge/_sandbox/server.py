"""The sandbox server base: an in-memory fake API on ``aiohttp.web``, on loopback.

A dialect's sandbox (`shopbridge.kanal.sandbox.KanalSandbox`) subclasses `SandboxServer` and
supplies its routes, its handlers and its error bodies. The base owns everything else:

* listening on ``127.0.0.1`` (port 0 picks a free one), as ``async with`` or on a background
  thread (`SandboxServer.running_in_thread`) for synchronous callers;
* routing on the raw path (`shopbridge._sandbox.routing`), then 404 and 405;
* seeded fault injection on every API request (`shopbridge._sandbox.faults`), never on the
  inspection routes;
* the fixed-window rate limiter (`shopbridge._sandbox.ratelimit`), which handlers consult once
  they have authenticated the request;
* the records (`shopbridge._sandbox.records`) and the counters (`shopbridge._sandbox.stats`),
  readable from Python and from the read-only inspection routes under ``/_sandbox/``
  (`shopbridge._sandbox.inspection`), plus any extra views a dialect names
  (`SandboxServer.inspection_views`);
* scripted answers: a dialect queues "answer the next N API requests with this" (the Karla
  sandbox's ``fail_next``), played like an injected fault, before any processing.

The base knows no API's auth, bodies or error shapes: the dialect answers 404, 405 and 429
itself, and gives the body of an injected 5xx (`SandboxServer._server_error_payload`).
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar, Self

from aiohttp import web

from shopbridge._sandbox.faults import FaultInjector, FaultKind, FaultPlan, Faults
from shopbridge._sandbox.inspection import INSPECTION_PREFIX, inspect, is_inspection
from shopbridge._sandbox.ratelimit import FixedWindowLimiter, RateLimit, spent_window
from shopbridge._sandbox.records import RecordStore
from shopbridge._sandbox.responses import drop_connection, json_response, malformed_response
from shopbridge._sandbox.routing import RawPathRouter, path_of
from shopbridge._sandbox.stats import SandboxStats, StatsRecorder
from shopbridge._sandbox.thread import running_in_thread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from contextlib import AbstractContextManager
    from types import TracebackType

    from shopbridge._sandbox.ratelimit import RateLimitDecision
    from shopbridge._sandbox.records import Scope, StoredRecord
    from shopbridge._sandbox.routing import Route

__all__ = ["SandboxServer"]

_SHUTDOWN_TIMEOUT = 1.0
"""Seconds `stop` lets in-flight requests (a slow fault) finish before cancelling them."""


class SandboxServer(abc.ABC):
    """Base of the API sandboxes.

    Args:
        host: the address to listen on.
        port: the port; 0 picks a free one.
        rate_limit: the per-scope limit, or ``None`` for none.
        faults: the faults to inject, as a value or a compact spec string.
        seed: the seed of the fault generator; ``None`` seeds from the operating system.

    Raises:
        FaultSpecError: `faults` is a spec string that cannot be read.
    """

    api_name: ClassVar[str]
    """The API's name, lower case (``kanal``)."""
    api_root: ClassVar[str]
    """The path of the API's base URL (``/api/v1``)."""
    scopes_name: ClassVar[str]
    """The inspection routes' word for scopes (``stores``)."""
    resources: ClassVar[tuple[str, ...]]
    """The resources the inspection routes list."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        rate_limit: RateLimit | None,
        faults: Faults | str,
        seed: int | None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._injector = FaultInjector(_as_faults(faults), seed=seed)
        self._limiter = FixedWindowLimiter(rate_limit) if rate_limit is not None else None
        self._records = RecordStore()
        self._stats = StatsRecorder()
        self._router = RawPathRouter(self._routes())
        self._scripted: collections.deque[tuple[str, Callable[[], web.StreamResponse]]] = (
            collections.deque()
        )
        self._scripted_lock = threading.Lock()
        self._runner: web.BaseRunner | None = None
        self._port: int | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not running"
        return f"<{type(self).__name__} {where}>"

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on `host` and the port, on the running event loop.

        Raises:
            RuntimeError: it is already running.
            OSError: the address cannot be bound.
        """
        if self._runner is not None:
            msg = f"{type(self).__name__} is already running at {self.base_url}"
            raise RuntimeError(msg)
        # aiohttp's low-level server: no router of its own, so every path reaches _dispatch
        # undecoded, and 404/405 answers are the API's own, not aiohttp's text pages.
        runner = web.ServerRunner(
            web.Server(self._dispatch, access_log=None), shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening and close every connection (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def running_in_thread(self) -> AbstractContextManager[Self]:
        """Run the sandbox on a background thread for the ``with`` block, for sync callers.

        Example::

            with KanalSandbox().running_in_thread() as sandbox:
                requests.post(f"{sandbox.base_url}/stores/1/customers", ...)
        """
        return running_in_thread(self, name=f"{self.api_name}-sandbox")

    @property
    def port(self) -> int:
        """The port it listens on.

        Raises:
            RuntimeError: it is not running.
        """
        if self._port is None:
            msg = f"{type(self).__name__} is not running; use 'async with' or running_in_thread()"
            raise RuntimeError(msg)
        return self._port

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT``, where the inspection routes live."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API's base URL, e.g. ``http://127.0.0.1:PORT/api/v1``."""
        return self.root_url + self.api_root

    # -- runtime configuration ----------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The faults in force."""
        return self._injector.faults

    def set_faults(self, faults: Faults | str, *, seed: int | None = None) -> Faults:
        """Switch the faults while running (and reseed the generator when `seed` is given).

        Returns:
            The faults in force until now.
        """
        return self._injector.configure(_as_faults(faults), seed=seed)

    @contextlib.contextmanager
    def injecting(self, faults: Faults | str) -> Iterator[Self]:
        """Inject `faults` for the ``with`` block only, then restore the previous ones."""
        previous = self.set_faults(faults)
        try:
            yield self
        finally:
            self.set_faults(previous)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The per-scope rate limit, or ``None``."""
        return self._limiter.rate if self._limiter is not None else None

    def set_rate_limit(self, rate_limit: RateLimit | None) -> None:
        """Change the rate limit while running; every window starts afresh."""
        self._limiter = FixedWindowLimiter(rate_limit) if rate_limit is not None else None

    # -- what the sandbox holds ---------------------------------------------------------------

    @property
    def stats(self) -> SandboxStats:
        """A snapshot of the counters."""
        return self._stats.snapshot(self._records.writes_by_resource())

    def records(self, scope: Scope, resource: str) -> dict[str, StoredRecord]:
        """The records of one scope and resource by key, soft-deleted ones included."""
        return self._records.records(scope, resource)

    def record(self, scope: Scope, resource: str, key: str) -> StoredRecord | None:
        """One record, soft-deleted or not; ``None`` if it was never written."""
        return self._records.get(scope, resource, key)

    def writes(self, scope: Scope, resource: str, key: str) -> int:
        """How many writes were applied to one record (0 if it was never written)."""
        record = self._records.get(scope, resource, key)
        return 0 if record is None else record.writes

    def reset(self) -> None:
        """Forget every record, counter, rate-limit window and scripted answer not yet played.

        The faults stay as they are.
        """
        self._records.clear()
        self._stats.clear()
        with self._scripted_lock:
            self._scripted.clear()
        if self._limiter is not None:
            self._limiter.reset()

    def inspection_views(self) -> Mapping[str, Callable[[], Any]]:
        """Extra read-only views: ``GET /_sandbox/{name}`` answers the JSON of ``views[name]()``.

        None by default; a dialect adds its own (the Karla sandbox: its webhook deliveries).
        """
        return {}

    def describe(self) -> list[str]:
        """Lines for a human: what is served where."""
        return [f"Inspect what it holds: {self.root_url}{INSPECTION_PREFIX}/"]

    # -- what a dialect supplies --------------------------------------------------------------

    @abc.abstractmethod
    def _routes(self) -> Sequence[Route]:
        """The API's routes."""

    @abc.abstractmethod
    async def _handle(
        self, request: web.BaseRequest, route: Route, params: Mapping[str, str]
    ) -> web.StreamResponse:
        """Answer a request that matched `route`; `params` are its decoded path parameters."""

    @abc.abstractmethod
    def _not_found(self) -> web.StreamResponse:
        """The answer for a path no route matches."""

    @abc.abstractmethod
    def _method_not_allowed(
        self, method: str, raw_path: str, allowed: tuple[str, ...]
    ) -> web.StreamResponse:
        """The answer for a known path with a method none of its routes takes."""

    @abc.abstractmethod
    def _too_many_requests(self, decision: RateLimitDecision) -> web.StreamResponse:
        """The 429 answer, with `decision`'s headers."""

    @abc.abstractmethod
    def parse_scope(self, text: str) -> Scope | None:
        """The scope (store, shop) named by `text`, or ``None`` if there is none."""

    @abc.abstractmethod
    def scopes(self) -> list[Scope]:
        """Every scope (store, shop) the sandbox knows."""

    @abc.abstractmethod
    def _server_error_payload(self, status: int) -> Any:
        """The JSON body of an injected 5xx."""

    # -- for the dialect's handlers -----------------------------------------------------------

    def _queue_answers(
        self, kind: str, answer: Callable[[], web.StreamResponse], *, times: int
    ) -> None:
        """Answer the next `times` API requests with `answer()`, before any processing.

        A scripted answer is played like an injected fault: nothing is written, and the stats
        count it under `kind` among the faults. The seeded faults still draw for those
        requests, and an injected fault drawn for one of them wins (the script waits).
        """
        if times < 1:
            msg = f"times must be at least 1, got {times!r}"
            raise ValueError(msg)
        with self._scripted_lock:
            self._scripted.extend([(kind, answer)] * times)

    def _next_scripted(self) -> web.StreamResponse | None:
        with self._scripted_lock:
            if not self._scripted:
                return None
            kind, answer = self._scripted.popleft()
        self._stats.fault(kind)
        return answer()

    def _count_hit(self, scope: Scope) -> RateLimitDecision | None:
        """Count a request against `scope`'s window; ``None`` when there is no rate limit."""
        limiter = self._limiter
        if limiter is None:
            return None
        decision = limiter.hit(scope)
        if not decision.allowed:
            self._stats.rate_limited()
        return decision

    # -- dispatch -----------------------------------------------------------------------------

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        raw_path = path_of(request.raw_path)
        if is_inspection(raw_path):
            return inspect(self, request.method, raw_path)
        self._stats.request()
        try:
            # The whole request arrives before processing starts, as on a real server: a
            # client that gives up during a slow answer does not take the body with it.
            # aiohttp keeps the body, so the handlers read it again for free.
            await request.read()
        except ConnectionError:
            return drop_connection(request)  # the client went away mid-request
        plan = self._injector.plan()
        if plan.delay > 0:
            self._stats.fault(FaultKind.SLOW.value)
            await asyncio.sleep(plan.delay)
        if plan.kind is FaultKind.DROP_BEFORE:
            self._stats.fault(plan.kind.value)
            return drop_connection(request)
        if plan.kind is not None and plan.kind is not FaultKind.DROP_AFTER:
            response = self._injected_answer(plan)
        elif plan.kind is None and (scripted := self._next_scripted()) is not None:
            response = scripted
        else:
            response = await self._route(request, raw_path)
            if plan.kind is FaultKind.DROP_AFTER:
                self._stats.fault(plan.kind.value)
                return drop_connection(request)
        self._stats.answered(response.status)
        return response

    def _injected_answer(self, plan: FaultPlan) -> web.StreamResponse:
        kind = plan.kind
        assert kind is not None  # noqa: S101 - only called with a fault to play
        self._stats.fault(kind.value)
        if kind is FaultKind.THROTTLE:
            limit = self.rate_limit.limit if self.rate_limit is not None else None
            return self._too_many_requests(spent_window(limit, plan.retry_after, now=time.time()))
        status = kind.status
        assert status is not None  # noqa: S101 - the remaining kinds are the 5xx
        payload = self._server_error_payload(status)
        if plan.malformed is None:
            return json_response(status, payload)
        self._stats.fault(FaultKind.MALFORMED.value)
        return malformed_response(status, payload, plan.malformed)

    async def _route(self, request: web.BaseRequest, raw_path: str) -> web.StreamResponse:
        resolution = self._router.resolve(request.method, raw_path)
        if resolution.route is not None:
            return await self._handle(request, resolution.route, resolution.params)
        if resolution.allowed:
            return self._method_not_allowed(request.method, raw_path, resolution.allowed)
        return self._not_found()


def _as_faults(faults: Faults | str) -> Faults:
    return Faults.parse(faults) if isinstance(faults, str) else faults
