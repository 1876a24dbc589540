"""Per-store pacing: wait *before* sending when the store's rate-limit window is spent.

Each store (Kanal) or shop (Karla) gets one `StoreLimiter`, shared by every task of a client.
It learns the window from the ``X-RateLimit-Limit``/``-Remaining`` headers of every response
and from 429s:

* **Tokens.** The newest answer (by send order) says how many requests the window had left
  when the server counted it; every request sent after that one is assumed to have used one.
  Requests sent together may reach the server out of order, so that estimate can run high by
  the ones overtaken; the limiter also counts its own requests in the window (every one that
  may land in it) and takes the smaller of the two. No request is sent while it is zero.
* **The window's end.** Laravel's window starts at the first request counted in it and lasts a
  fixed time (60 s for Kanal). The answer reporting ``remaining == limit - 1`` marks that start;
  when the window is spent, the limiter sleeps until start + window. A 429 reveals the exact
  end (``Retry-After``/``X-RateLimit-Reset``) and, from it, the window's true length.
* **429.** One 429 pauses the whole store for the server's wait, not only the task that got it.

Without rate-limit headers (Karla) the limiter only honours 429 pauses.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING

from attrs import define

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge.core.sansio._waits import RateLimitState

__all__ = ["Pacer", "PacingTimeoutError", "StoreLimiter", "Ticket"]

_MIN_WINDOW = 0.05
"""A learned window shorter than this is noise (clock granularity), not a window."""


class PacingTimeoutError(Exception):
    """The store is paused (or its window spent) for longer than the caller may wait.

    Attributes:
        wait: how long the caller would have had to wait, in seconds.
    """

    def __init__(self, wait: float) -> None:
        super().__init__(f"the store's rate-limit window frees in {wait:.3g} s")
        self.wait = wait


@define
class Ticket:
    """A permit to send one request; give it back with `StoreLimiter.release`."""

    seq: int
    sent_at: float
    waited: float = 0.0
    """Seconds the request waited for the store's window or pause before being sent."""


class StoreLimiter:
    """The pacing state of one store. Not thread-safe: use it from its event loop only.

    Args:
        window: the assumed length of the rate-limit window in seconds, until a 429 teaches
            the real one.
        clock: a monotonic clock in seconds.
    """

    def __init__(self, *, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.window = window
        self.limit: int | None = None
        self._server_remaining: int | None = None  # as of the request numbered _observed_seq
        self._observed_seq = 0
        self._sent = 0
        self._in_flight = 0
        self._pending: set[int] = set()  # the seqs of the requests in flight
        self._window_sent = 0  # own requests that may be counted in the current window
        self._window_start: float | None = None
        self._window_start_exact = False
        self._window_end: float | None = None  # exact, from a 429 or X-RateLimit-Reset
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._answered = asyncio.Event()
        self.waits = 0
        """How many times a request waited here before being sent."""

    @property
    def tokens(self) -> int | None:
        """Requests the window still allows, as far as the limiter knows (``None``: unknown)."""
        if self._server_remaining is None:
            return None
        by_server = self._server_remaining - (self._sent - self._observed_seq)
        if self.limit is None:
            return by_server
        return min(by_server, self.limit - self._window_sent)

    def blocked_until(self, now: float) -> float | None:
        """The monotonic time before which nothing may be sent, or ``None`` if sending is free."""
        if self._paused_until > now:
            return self._paused_until
        tokens = self.tokens
        if tokens is None or tokens > 0:
            return None
        end = self._estimated_window_end()
        if end is not None and end > now:
            return end
        self._assume_new_window(now)
        tokens = self.tokens
        if tokens is None or tokens > 0:
            return None
        # Requests still in flight already fill the new window: wait for its end too.
        return self._estimated_window_end()

    def _estimated_window_end(self) -> float | None:
        if self._window_end is not None:
            return self._window_end
        if self._window_start is not None:
            return self._window_start + self.window
        return None

    def _assume_new_window(self, now: float) -> None:
        # The window has ended: a fresh one allows `limit` requests, minus those still in
        # flight (the server may count them in the new window). It started at the latest
        # now, which errs late: towards never sending too early.
        if self.limit is not None:
            self._server_remaining = self.limit - self._in_flight
            self._observed_seq = self._sent
            self._window_sent = self._in_flight
        else:
            self._server_remaining = None
        self._window_start = now
        self._window_start_exact = False
        self._window_end = None

    async def acquire(self, *, deadline: float | None = None) -> Ticket:
        """Wait until the store may receive one more request, then take a permit.

        Args:
            deadline: a monotonic time; if the wait would end after it, raise at once.

        Raises:
            PacingTimeoutError: the wait would pass `deadline`.
        """
        started = self._clock()
        if not self._lock.locked() and self._may_send_now(started):
            # The common case, decided without a suspension: asyncio runs this atomically.
            return self._take(started, started)
        async with self._lock:  # someone is waiting already: queue behind them, in order
            waited = False
            if not self._answered.is_set() and self._in_flight:
                # Nothing is known of the store's limit until the first answer: send one
                # request alone rather than a burst that could overrun the window.
                waited = True
                await self._answered.wait()
            while True:
                now = self._clock()
                until = self.blocked_until(now)
                if until is None:
                    break
                if deadline is not None and until > deadline:
                    raise PacingTimeoutError(until - now)
                waited = True
                await asyncio.sleep(until - now)
            if waited:
                self.waits += 1
            return self._take(started, now)

    def _may_send_now(self, now: float) -> bool:
        first_answer_pending = not self._answered.is_set() and self._in_flight > 0
        return not first_answer_pending and self.blocked_until(now) is None

    def _take(self, started: float, now: float) -> Ticket:
        self._sent += 1
        self._in_flight += 1
        self._window_sent += 1
        self._pending.add(self._sent)
        return Ticket(seq=self._sent, sent_at=now, waited=now - started)

    def release(self, ticket: Ticket, state: RateLimitState | None) -> None:
        """Give back a permit, with what the answer said about the window (if anything).

        Call it exactly once per `acquire`, also when no answer came (``state=None``).
        """
        self._in_flight -= 1
        self._pending.discard(ticket.seq)
        self._answered.set()
        if state is None:
            return
        now = self._clock()
        if state.limit is not None:
            self.limit = state.limit
        if state.remaining is None:
            return
        if self.limit is not None and state.remaining >= self.limit - 1:
            # The first request counted in a new window: it started between the send and
            # now. Taking `now` errs late, which errs towards never sending too early.
            self._window_start = now
            self._window_start_exact = True
            self._window_end = None
            # Counted in it: this request, every later one, and the earlier ones still in
            # flight (they may reach the server after this one).
            self._window_sent = self._sent - ticket.seq + 1 + self._pending_before(ticket.seq)
        if ticket.seq < self._observed_seq:
            return  # an answer older than the newest one seen says nothing new
        self._observed_seq = ticket.seq
        self._server_remaining = state.remaining
        end = self._estimated_window_end()
        if self._window_start is None or (end is not None and end <= now):
            # Joined a window already running, or one whose start went unseen after the
            # estimated one ended: its start is unknown but not later than now, and every
            # request it counted may have been ours.
            self._window_start = now
            self._window_start_exact = False
            self._window_end = None
            if self.limit is not None:
                counted = self.limit - state.remaining
                later = self._sent - ticket.seq
                self._window_sent = counted + later + self._pending_before(ticket.seq)
        if state.reset_after is not None:
            self._window_end = now + state.reset_after

    def _pending_before(self, seq: int) -> int:
        return sum(1 for pending in self._pending if pending < seq)

    def pause(self, seconds: float) -> None:
        """Pause the whole store for `seconds` (a 429's wait): every task waits it out."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        now = self._clock()
        until = now + seconds
        self._paused_until = max(self._paused_until, until)
        if self._window_start_exact and self._window_start is not None:
            learned = until - self._window_start
            if learned >= _MIN_WINDOW:
                # The 429 names the true end of a window whose start we saw: its length.
                self.window = learned
        self._window_end = until
        self._server_remaining = 0
        self._observed_seq = self._sent
        if self.limit is not None:
            self._window_sent = self.limit


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
