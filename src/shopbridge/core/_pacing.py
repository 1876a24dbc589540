"""Per-store pacing: wait *before* sending when the store's rate-limit window is spent.

A pacing **backend** hands out one `Limiter` per store (Kanal) or shop (Karla): `LocalPacing`,
in this process (the default), or `RedisPacing` (`shopbridge.core._pacing_redis`), shared by
every process and machine that pushes into the store. Both run the rules of the pure
`RateWindow` (`shopbridge.core.sansio._window`); this module does the waiting around it: it
reads the clock, queues the tasks that must wait, in order, and sleeps until the window frees
(or raises at once when that is past the caller's deadline).

Clients of one process on one store share one limiter by default, whichever backend: the
limiter is keyed by the API, the base URL and the store (never the API key). A client's
`Pacer` is its view of the backend, with the window it assumes or was given.

Without rate-limit headers (Karla) a limiter only honours 429 pauses.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from attrs import frozen

from shopbridge.core.sansio._window import RateWindow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from shopbridge.core.sansio._waits import RateLimitState
    from shopbridge.core.sansio._window import Ticket

__all__ = [
    "LocalPacing",
    "PaceScope",
    "Pacer",
    "PacingBackend",
    "PacingTimeoutError",
    "StoreLimiter",
]


class PacingTimeoutError(Exception):
    """The store is paused (or its window spent) for longer than the caller may wait.

    Attributes:
        wait: how long the caller would have had to wait, in seconds.
    """

    def __init__(self, wait: float) -> None:
        super().__init__(f"the store's rate-limit window frees in {wait:.3g} s")
        self.wait = wait

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.wait,))


@frozen(kw_only=True)
class PaceScope:
    """One rate-limited scope, as a backend keys it: never a credential.

    Attributes:
        api: the dialect (``kanal``, ``karla``, ``kanal-messaging``).
        base_url: the API's base URL: two sandboxes (or a staging API) are two stores.
        key: the store id or shop slug.
        window: the window's length in seconds, given or assumed.
        assumed: whether `window` is only assumed: then it is learned.
    """

    api: str
    base_url: str
    key: str
    window: float
    assumed: bool = False

    @property
    def name(self) -> str:
        """The scope as the backend keys it."""
        return f"{self.api} {self.base_url} {self.key}"


@runtime_checkable
class Limiter(Protocol):
    """The pacing of one store, whichever backend holds its state."""

    def take_now(self) -> Ticket | None:
        """A permit at once when the store may receive a request without waiting, else ``None``.

        ``None`` says nothing more: `acquire` then waits (or refuses) as it always does.
        """
        ...

    async def acquire(self, *, deadline: float | None = None) -> Ticket:
        """Wait until the store may receive one more request, then take a permit."""
        ...

    def release(self, ticket: Ticket, state: RateLimitState | None) -> None:
        """Give back a permit, with what the answer said of the window (``None``: no answer)."""
        ...

    def pause(self, seconds: float, *, sent_at: float | None = None) -> None:
        """Pause the whole store for `seconds` (a 429's wait)."""
        ...

    @property
    def window(self) -> float:
        """The window's length in seconds: given, assumed, or learned."""
        ...

    @property
    def learned(self) -> bool:
        """Whether the window's length was learned from the server."""
        ...

    @property
    def paced_alone(self) -> float:
        """Seconds this process paced alone because a shared backend could not be reached."""
        ...

    def attach(self) -> bool:
        """Count a client using the limiter from the running event loop (``False``: none)."""
        ...

    async def detach(self) -> None:
        """Forget that client (it closed): the loop's last one releases its connections."""
        ...


@runtime_checkable
class PacingBackend(Protocol):
    """Where the limiters' state lives: this process, or a store shared by many."""

    def limiter(self, scope: PaceScope) -> Limiter:
        """The limiter of `scope`, the same object for the same scope in one process."""
        ...


class StoreLimiter:
    """The pacing state of one store in this process; any thread, any event loop.

    Args:
        window: the length of the rate-limit window in seconds, until 429s teach the real one.
        assumed: whether `window` is only assumed (then it is learned by a probe).
        clock: a monotonic clock in seconds.
    """

    paced_alone = 0.0
    """Always 0: an in-process limiter never depends on another store."""

    def __init__(
        self, *, window: float, assumed: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._state = RateWindow(window=window, assumed=assumed)
        # The state is shared by every client of the store in this process, whose event
        # loops may run in other threads (blocking clients): one mutex guards it, and each
        # loop queues its own waiting tasks.
        self._mutex = threading.Lock()
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._last: tuple[Callable[[], asyncio.AbstractEventLoop | None], asyncio.Lock] = (
            _no_loop,
            asyncio.Lock(),
        )
        self._wakeups: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.waits = 0
        """How many times a request waited here before being sent."""

    @property
    def window(self) -> float:
        """The window's length in seconds: assumed or given, until 429s teach the real one."""
        return self._state.window

    @property
    def learned(self) -> bool:
        """Whether the window's length was learned from the server's 429s."""
        return self._state.learned

    @property
    def limit(self) -> int | None:
        """The store's limit per window, once an answer said it."""
        return self._state.limit

    @property
    def tokens(self) -> int | None:
        """Requests the window still allows, as far as the limiter knows (``None``: unknown)."""
        return self._state.tokens

    @property
    def share(self) -> float:
        """Our share of the window, as estimated from the answers (1.0: nobody else seen)."""
        return self._state.share

    def attach(self) -> bool:
        """Nothing to hold: an in-process limiter has no connection."""
        return False

    async def detach(self) -> None:
        """Nothing to release."""

    def blocked_until(self, now: float) -> float | None:
        """The monotonic time before which nothing may be sent, or ``None`` if sending is free."""
        with self._mutex:
            return self._state.blocked_until(now)

    def adopt(self, *, window: float, assumed: bool) -> None:
        """Take a window that a client was given, if this one's length is only assumed."""
        with self._mutex:
            state = self._state
            if state.assumed and not assumed and not state.learned:
                state.window = window
                state.assumed = False

    def _queue(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        # The loop of the last call first: a weak dictionary's lookup is Python code.
        last_loop, last_queue = self._last
        if last_loop() is loop:
            return last_queue
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues.setdefault(loop, asyncio.Lock())
        self._last = (weakref.ref(loop), queue)
        return queue

    def take_now(self) -> Ticket | None:
        """A permit at once when the window is free and nobody waits for it, else ``None``.

        What `acquire` does first, without a coroutine: a request that needs no wait (most of
        them) costs the engine no await level for its pacing.
        """
        state = self._state
        if self._queue().locked():
            return None  # someone is waiting already: `acquire` queues behind them
        with self._mutex:
            started = self._clock()
            if state.may_send(started):
                return state.take(started=started, now=started)
        return None

    async def acquire(self, *, deadline: float | None = None) -> Ticket:
        """Wait until the store may receive one more request, then take a permit.

        Args:
            deadline: a monotonic time; if the wait would end after it, raise at once.

        Raises:
            PacingTimeoutError: the wait would pass `deadline`.
        """
        state = self._state
        started = self._clock()
        queue = self._queue()
        if not queue.locked():
            with self._mutex:
                if state.may_send(started):
                    return state.take(started=started, now=started)
        async with queue:  # someone is waiting already: queue behind them, in order
            waited = False
            loop = asyncio.get_running_loop()
            while True:
                with self._mutex:
                    now = self._clock()
                    until = None if state.first_answer_pending else state.blocked_until(now)
                    if until is None and not state.first_answer_pending:
                        if waited:
                            self.waits += 1
                        return state.take(started=started, now=now)
                    wakeup: asyncio.Future[None] = loop.create_future()
                    self._wakeups.append((loop, wakeup))
                if until is not None and deadline is not None and until > deadline:
                    self._forget(wakeup)
                    raise PacingTimeoutError(until - now)
                waited = True
                # Woken by an answer (the request that went alone came back) or by the time.
                limit = until if until is not None else deadline
                timer = None if limit is None else loop.call_later(limit - now, _wake, wakeup)
                try:
                    await wakeup
                finally:
                    if timer is not None:
                        timer.cancel()
                    self._forget(wakeup)
                if until is None and deadline is not None and self._clock() >= deadline:
                    raise PacingTimeoutError(0.0)

    def _forget(self, wakeup: asyncio.Future[None]) -> None:
        with self._mutex:
            self._wakeups = [pair for pair in self._wakeups if pair[1] is not wakeup]

    def release(self, ticket: Ticket, state: RateLimitState | None) -> None:
        """Give back a permit, with what the answer said about the window (if anything).

        Call it exactly once per `acquire`, also when no answer came (``state=None``).
        """
        with self._mutex:
            self._state.release(ticket, state, now=self._clock())
            wakeups = self._wakeups
            if wakeups:
                self._wakeups = []
        if wakeups:
            _wake_all(wakeups)

    def pause(self, seconds: float, *, sent_at: float | None = None) -> None:
        """Pause the whole store for `seconds` (a 429's wait): every task waits it out.

        Args:
            seconds: the server's wait.
            sent_at: when the refused request was sent (its ticket's), which bounds the
                window's length from below.
        """
        with self._mutex:
            self._state.pause(seconds, now=self._clock(), sent_at=sent_at)


def _no_loop() -> None:
    """The loop of a limiter's last call, before its first: none."""


def _wake(wakeup: asyncio.Future[None]) -> None:
    if not wakeup.done():
        wakeup.set_result(None)


def _wake_all(wakeups: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]) -> None:
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, wakeup in wakeups:
        if loop is running:
            _wake(wakeup)
        elif not loop.is_closed():
            loop.call_soon_threadsafe(_wake, wakeup)


class LocalPacing:
    """The in-process backend: one `StoreLimiter` per scope, shared by this process's clients.

    A limiter lives as long as a client uses it. Pickled (to a worker process), it is the
    worker's own process-wide backend.
    """

    def __init__(self) -> None:
        self._limiters: weakref.WeakValueDictionary[tuple[str, str, str], StoreLimiter] = (
            weakref.WeakValueDictionary()
        )
        self._lock = threading.Lock()

    def limiter(self, scope: PaceScope) -> StoreLimiter:
        """The limiter of `scope`: the one every client of the store in this process shares."""
        key = (scope.api, scope.base_url, scope.key)
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = StoreLimiter(window=scope.window, assumed=scope.assumed)
                self._limiters[key] = limiter
            else:
                limiter.adopt(window=scope.window, assumed=scope.assumed)
            return limiter

    def __repr__(self) -> str:
        return "LocalPacing()"

    def __reduce__(self) -> tuple[Any, ...]:
        return (process_pacing, ())


_PROCESS_PACING = LocalPacing()


def process_pacing() -> LocalPacing:
    """This process's default backend, shared by every client that is given none."""
    return _PROCESS_PACING


class Pacer:
    """The limiters of one client, one per store (or shop), created on first use.

    Args:
        window: the window's length for new limiters, in seconds.
        assumed: whether `window` is only assumed (nobody said it): then it is learned.
        backend: where the limiters' state lives; with `api`, this process's `LocalPacing`
            by default. Without `api`, the limiters are this client's own.
        api: the dialect, for the scope's key; ``None``: limiters not shared.
        base_url: the API's base URL, for the scope's key.
        private: pace keys never shared (a limit per API key: Kanal messaging's).
        clock: a monotonic clock in seconds (for limiters of this client's own).
    """

    def __init__(
        self,
        *,
        window: float,
        assumed: bool = False,
        backend: PacingBackend | None = None,
        api: str | None = None,
        base_url: str = "",
        private: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._assumed = assumed
        self._clock = clock
        self._api = api
        self._base_url = base_url
        self._private = private
        self.backend: PacingBackend | None = (
            backend if backend is not None else (process_pacing() if api is not None else None)
        )
        self._limiters: dict[str, Limiter] = {}
        self._attached: list[Limiter] = []

    def limiter(self, key: str) -> Limiter:
        """The limiter for the store or shop `key`."""
        limiter = self._limiters.get(key)
        if limiter is None:
            if self.backend is None or self._api is None or key in self._private:
                limiter = StoreLimiter(
                    window=self._window, assumed=self._assumed, clock=self._clock
                )
            else:
                scope = PaceScope(
                    api=self._api,
                    base_url=self._base_url,
                    key=key,
                    window=self._window,
                    assumed=self._assumed,
                )
                limiter = self.backend.limiter(scope)
                if limiter.attach():
                    self._attached.append(limiter)
            self._limiters[key] = limiter
        return limiter

    async def aclose(self) -> None:
        """Release what the client's limiters hold for it (a shared backend's connections)."""
        attached, self._attached = self._attached, []
        for limiter in attached:
            await limiter.detach()

    def __contains__(self, key: str) -> bool:
        return key in self._limiters

    def __iter__(self) -> Iterator[tuple[str, Limiter]]:
        return iter(list(self._limiters.items()))

    @property
    def paced_alone(self) -> float:
        """Seconds this client's limiters paced alone (a shared backend out of reach)."""
        # The limiters of one backend share its outages: the longest is the client's.
        return max((limiter.paced_alone for limiter in self._limiters.values()), default=0.0)

    def learned(self) -> dict[str, float]:
        """The windows learned from the server, in seconds, by pace key."""
        return {key: limiter.window for key, limiter in self._limiters.items() if limiter.learned}
