"""Per-store pacing: wait *before* sending when the store's rate-limit window is spent.

Each store (Kanal) or shop (Karla) gets one `StoreLimiter`, shared by every task of a client.
The arithmetic (tokens, the window's start and end, corrections by ``X-RateLimit-Remaining``,
429 pauses) is the pure `RateWindow` of `shopbridge.core.sansio._window`; this module does
the waiting around it: it reads the clock, queues the tasks that must wait behind one lock, in
order, and sleeps until the window frees (or raises at once when that is past the caller's
deadline).

Without rate-limit headers (Karla) the limiter only honours 429 pauses.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from shopbridge.core.sansio._window import RateWindow

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge.core.sansio._waits import RateLimitState
    from shopbridge.core.sansio._window import Ticket

__all__ = ["Pacer", "PacingTimeoutError", "StoreLimiter"]


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


class StoreLimiter:
    """The pacing state of one store. Not thread-safe: use it from its event loop only.

    Args:
        window: the assumed length of the rate-limit window in seconds, until a 429 teaches
            the real one.
        clock: a monotonic clock in seconds.
    """

    def __init__(self, *, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._state = RateWindow(window=window)
        self._lock = asyncio.Lock()
        self._answered = asyncio.Event()
        self.waits = 0
        """How many times a request waited here before being sent."""

    @property
    def window(self) -> float:
        """The window's length in seconds: assumed, until a 429 teaches the real one."""
        return self._state.window

    @property
    def limit(self) -> int | None:
        """The store's limit per window, once an answer said it."""
        return self._state.limit

    @property
    def tokens(self) -> int | None:
        """Requests the window still allows, as far as the limiter knows (``None``: unknown)."""
        return self._state.tokens

    def blocked_until(self, now: float) -> float | None:
        """The monotonic time before which nothing may be sent, or ``None`` if sending is free."""
        return self._state.blocked_until(now)

    async def acquire(self, *, deadline: float | None = None) -> Ticket:
        """Wait until the store may receive one more request, then take a permit.

        Args:
            deadline: a monotonic time; if the wait would end after it, raise at once.

        Raises:
            PacingTimeoutError: the wait would pass `deadline`.
        """
        state = self._state
        started = self._clock()
        if not self._lock.locked() and state.may_send(started):
            # The common case, decided without a suspension: asyncio runs this atomically.
            return state.take(started=started, now=started)
        async with self._lock:  # someone is waiting already: queue behind them, in order
            waited = False
            if state.first_answer_pending:
                # Nothing is known of the store's limit until the first answer: send one
                # request alone rather than a burst that could overrun the window.
                waited = True
                await self._answered.wait()
            while True:
                now = self._clock()
                until = state.blocked_until(now)
                if until is None:
                    break
                if deadline is not None and until > deadline:
                    raise PacingTimeoutError(until - now)
                waited = True
                await asyncio.sleep(until - now)
            if waited:
                self.waits += 1
            return state.take(started=started, now=now)

    def release(self, ticket: Ticket, state: RateLimitState | None) -> None:
        """Give back a permit, with what the answer said about the window (if anything).

        Call it exactly once per `acquire`, also when no answer came (``state=None``).
        """
        self._answered.set()
        self._state.release(ticket, state, now=self._clock())

    def pause(self, seconds: float) -> None:
        """Pause the whole store for `seconds` (a 429's wait): every task waits it out."""
        self._state.pause(seconds, now=self._clock())


class Pacer:
    """The limiters of one client, one per store (or shop), created on first use.

    Args:
        window: the default window length for new limiters, in seconds.
        clock: a monotonic clock in seconds.
    """

    def __init__(self, *, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._limiters: dict[str, StoreLimiter] = {}

    def limiter(self, key: str) -> StoreLimiter:
        """The limiter for the store or shop `key`."""
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = StoreLimiter(window=self._window, clock=self._clock)
            self._limiters[key] = limiter
        return limiter

    def __contains__(self, key: str) -> bool:
        return key in self._limiters
