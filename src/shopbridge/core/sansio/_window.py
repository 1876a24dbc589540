"""A store's rate-limit window, as arithmetic (pure): what may be sent, and from when.

The per-store limiter (`shopbridge.core._pacing`) waits around this; nothing here sleeps,
reads a clock or creates an asyncio object: every method takes ``now`` (monotonic seconds).

* **Tokens.** The newest answer (by send order) says how many requests the window had left
  when the server counted it; every request sent after that one is assumed to have used one.
  Requests sent together may reach the server out of order, so that estimate can run high by
  the ones overtaken; the window also counts its own requests in it (every one that may land
  in it) and takes the smaller of the two. No request is sent while it is zero.
* **The window's end.** Laravel's window starts at the first request counted in it and lasts a
  fixed time (60 s for Kanal). The answer reporting ``remaining == limit - 1`` marks that start;
  when the window is spent, nothing is sent until start + window. A 429 reveals the exact end
  (``Retry-After``/``X-RateLimit-Reset``) and, from it, the window's true length.
* **Pauses.** One 429 pauses the whole store for the server's wait.
* **The first answer.** Nothing is known of the store's limit until an answer comes back, so
  the first request goes alone rather than in a burst that could overrun the window.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from attrs import define

if TYPE_CHECKING:
    from shopbridge.core.sansio._waits import RateLimitState

__all__ = ["MIN_WINDOW", "RateWindow", "Ticket"]

MIN_WINDOW = 0.05
"""A learned window shorter than this is noise (clock granularity), not a window."""


@define
class Ticket:
    """A permit to send one request; give it back with `RateWindow.release`."""

    seq: int
    sent_at: float
    waited: float = 0.0
    """Seconds the request waited for the store's window or pause before being sent."""


class RateWindow:
    """The rate-limit state of one store, updated by every permit taken and answer read.

    Args:
        window: the assumed length of the rate-limit window in seconds, until a 429 teaches
            the real one.
    """

    def __init__(self, *, window: float) -> None:
        self.window = window
        self.limit: int | None = None
        self.answered = False
        """Whether any request has come back (with or without rate-limit headers)."""
        self.in_flight = 0
        self._server_remaining: int | None = None  # as of the request numbered _observed_seq
        self._observed_seq = 0
        self._sent = 0
        self._pending: set[int] = set()  # the seqs of the requests in flight
        self._window_sent = 0  # own requests that may be counted in the current window
        self._window_start: float | None = None
        self._window_start_exact = False
        self._window_end: float | None = None  # exact, from a 429 or X-RateLimit-Reset
        self._paused_until = 0.0

    @property
    def tokens(self) -> int | None:
        """Requests the window still allows, as far as it is known (``None``: unknown)."""
        if self._server_remaining is None:
            return None
        by_server = self._server_remaining - (self._sent - self._observed_seq)
        if self.limit is None:
            return by_server
        return min(by_server, self.limit - self._window_sent)

    @property
    def first_answer_pending(self) -> bool:
        """Whether a request is out and none has come back yet: the next one must wait."""
        return not self.answered and self.in_flight > 0

    def may_send(self, now: float) -> bool:
        """Whether a request may be sent at `now` without waiting."""
        return not self.first_answer_pending and self.blocked_until(now) is None

    def blocked_until(self, now: float) -> float | None:
        """The monotonic time before which nothing may be sent, or ``None`` if sending is free.

        Past the end of a spent window, this assumes a new one began (it mutates the state).
        """
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
            self._server_remaining = self.limit - self.in_flight
            self._observed_seq = self._sent
            self._window_sent = self.in_flight
        else:
            self._server_remaining = None
        self._window_start = now
        self._window_start_exact = False
        self._window_end = None

    def take(self, *, started: float, now: float) -> Ticket:
        """Take a permit at `now` for a request that began waiting at `started`."""
        self._sent += 1
        self.in_flight += 1
        self._window_sent += 1
        self._pending.add(self._sent)
        return Ticket(seq=self._sent, sent_at=now, waited=now - started)

    def release(self, ticket: Ticket, state: RateLimitState | None, *, now: float) -> None:
        """Give back a permit at `now`, with what the answer said of the window (if anything).

        Call it exactly once per `take`, also when no answer came (``state=None``).
        """
        self.in_flight -= 1
        self._pending.discard(ticket.seq)
        self.answered = True
        if state is None:
            return
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

    def pause(self, seconds: float, *, now: float) -> None:
        """Pause the whole store for `seconds` from `now` (a 429's wait)."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        until = now + seconds
        self._paused_until = max(self._paused_until, until)
        if self._window_start_exact and self._window_start is not None:
            learned = until - self._window_start
            if learned >= MIN_WINDOW:
                # The 429 names the true end of a window whose start we saw: its length.
                self.window = learned
        self._window_end = until
        self._server_remaining = 0
        self._observed_seq = self._sent
        if self.limit is not None:
            self._window_sent = self.limit
