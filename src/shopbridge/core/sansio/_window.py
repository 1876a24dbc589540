"""A store's rate-limit window, as arithmetic (pure): what may be sent, and from when.

The per-store limiters (`shopbridge.core._pacing`, and the Redis backend's Lua scripts, which
run the same rules) wait around this; nothing here sleeps, reads a clock or creates an asyncio
object: every method takes ``now`` (monotonic seconds).

* **Tokens.** ``min(limit - sent_in_window, min_remaining_seen_in_window - out)``: the lowest
  ``X-RateLimit-Remaining`` seen in the window (answers arrive out of order: the newest by send
  order is not the lowest) less every own request still in flight (any of them may yet be
  counted), bounded by the window's limit less every own request that may land in it. Nothing
  is sent while it is zero.
* **The window's start and end.** Laravel's window starts at the first request counted in it
  and lasts a fixed time. The answer reporting ``remaining == limit - 1`` marks that start: it
  came between that request's send (the earliest the window can have started) and its answer
  (the latest). When the window is spent nothing is sent until the latest start plus the
  window's length; a 429 names the exact end.
* **The window's length.** Given by the caller, or only assumed (Kanal's minute). Each 429
  bounds it: the window ends no later than the server's wait (an upper bound, from the earliest
  start) and had not ended when the refused request was sent (a lower bound, from the latest).
  A whole second inside the bounds is taken (Laravel's windows are whole seconds), else the
  upper bound. An assumed length is never waited out blindly: when such a window is spent, one
  request goes as a probe, and its 429 teaches the length for one request per run.
* **Going alone.** The first request, the first after a pause and the first of a window
  assumed to have begun go alone: the others wait for its answer, which says how much of the
  window is left (a burst into a window that is not what we think meets a 429 per request).
* **Sharing.** Own sends explain at most ``sent_in_window`` of the window's count: when the
  server counted more, someone else shares the window, and only our share of what is left is
  sent in flight.
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

_MAX_PROBES = 3
"""Probes of an assumed window per run: each may meet one 429, and two suffice to learn."""

_FIRST_SPACING = 1.0
_MAX_SPACING = 16.0
"""While the length is unknown, a spent window is probed again this long after the last probe
(doubled each time, at most the second): an assumed minute is never waited out blindly, for at
most one 429 per spacing. It matters when a probe teaches nothing: it was counted just before
its window ended, or this client never sees a window begin (another one always sends first),
so its 429s cannot bound the length from a start."""

_SHARE_EVIDENCE = 4
"""Requests the server must have counted in a window (and more than half of its limit) before
our share of it is estimated: early counts are noise (a window joined, answers overtaken)."""


@define
class Ticket:
    """A permit to send one request; give it back with `RateWindow.release`."""

    seq: int
    sent_at: float
    waited: float = 0.0
    """Seconds the request waited for the store's window or pause before being sent."""
    ahead: int = 0
    """Requests in flight when it was sent: any of them may be counted after it."""


class RateWindow:
    """The rate-limit state of one store, updated by every permit taken and answer read.

    Args:
        window: the length of the rate-limit window in seconds, until 429s teach the real one.
        assumed: whether `window` is only assumed (nobody said it): then a spent window is
            probed rather than waited out.
    """

    def __init__(self, *, window: float, assumed: bool = False) -> None:
        self.window = window
        self.assumed = assumed
        self.learned = False
        """Whether the window's length was learned from the server's 429s."""
        self.limit: int | None = None
        self.answered = False
        """Whether any request has come back (with or without rate-limit headers)."""
        self.in_flight = 0
        self._low = 0.0  # the window's length is above this ...
        self._high = math.inf  # ... and at most this
        self._sent = 0
        self._pending: set[int] = set()
        self._paused_until = 0.0
        self._solo: int | None = None  # the request going alone, whose answer the others await
        self._solo_next = True  # the next request goes alone
        self._probes = 0
        self._spacing = _FIRST_SPACING
        self._next_probe = 0.0  # a spaced probe may go from this time on
        self._last_until: float | None = None  # the end of the last window a 429 named
        self._exact_anchor = 0  # seq of the last request seen first in its window
        self._prev_share = 1.0
        self._begin(anchor=0, first=1, start_high=None, start_low=None, remaining=None)

    def _begin(
        self,
        *,
        anchor: int,
        first: int,
        start_high: float | None,
        start_low: float | None,
        remaining: int | None,
    ) -> None:
        # A new window: what is known of it, and which own requests may count in it.
        self._anchor = anchor  # the request whose answer began (or revealed) this window
        self._first = first  # own requests from this seq on were sent in this window
        self._start_high = start_high  # the window started no later than this ...
        self._start_low = start_low  # ... and no earlier than this (None: unknown)
        self._end: float | None = None  # exact, from a 429 or X-RateLimit-Reset
        self._min_remaining = remaining
        self._min_at = self._sent  # own sends when the lowest remaining was read
        self._seen_at = self._sent  # own sends when this window was recognised
        self._unreflected = self.in_flight  # requests in flight then, still in flight
        self._window_sent = 0
        self._carry = 0  # earlier requests still in flight, which may count in this window
        self._probed = False
        self._window_share: float | None = None  # None: too few counted to tell
        # Assumed to have begun, its start not yet seen: the server starts a window at the
        # first request it counts after the last one ended, which may be later than now.
        self._provisional = False
        self._late_lost = 0  # answers lost after this window's estimated end

    @property
    def tokens(self) -> int | None:
        """Requests the window still allows, as far as it is known (``None``: unknown)."""
        remaining = self._min_remaining
        if remaining is None:
            return None
        # Not yet in that count: every request sent after it was read (those answered without
        # a count included), and the earlier ones still in flight.
        tokens = remaining - (self._sent - self._min_at) - self._unreflected
        if self.limit is not None:
            tokens = min(tokens, self.limit - self._window_sent)
        share = self.share
        if share < 1.0:
            # Another client spends this window too: send in flight only our share of what
            # is left, so that together we stay within it.
            tokens = min(tokens, math.floor(share * remaining) - self.in_flight)
        return tokens

    @property
    def share(self) -> float:
        """Our share of the window's count, as the last answers tell it (1.0: alone)."""
        if self._window_share is None:
            return self._prev_share
        return min(self._prev_share, self._window_share)

    @property
    def first_answer_pending(self) -> bool:
        """Whether a request went alone and its answer is awaited: the next one must wait."""
        return self._solo is not None

    @property
    def starts_alone(self) -> bool:
        """Whether the next request will go alone (the others then wait for its answer)."""
        return self._solo_next

    def may_send(self, now: float) -> bool:
        """Whether a request may be sent at `now` without waiting."""
        return self._solo is None and self.blocked_until(now) is None

    def blocked_until(self, now: float) -> float | None:
        """The monotonic time before which nothing may be sent, or ``None`` if sending is free.

        It does not say whether a request going alone is awaited (`first_answer_pending`).
        Past the end of a spent window, this assumes a new one began (it mutates the state).
        """
        if self._paused_until > now:
            return self._paused_until
        tokens = self.tokens
        if tokens is None or tokens > 0:
            return None
        if self._may_probe(now):
            return None
        end = self._estimated_end()
        if end is not None and end > now:
            return self._end_or_probe(end, now)
        self._assume_new_window(now)
        tokens = self.tokens
        if tokens is None or tokens > 0:
            return None
        # Requests still in flight already fill the new window: wait for its end too.
        return self._estimated_end()

    def _end_or_probe(self, end: float, now: float) -> float:
        # A length only assumed is never waited out blindly: a spaced probe goes before.
        if self._unknown_length():
            return min(end, max(self._next_probe, now))
        return end

    def _unknown_length(self) -> bool:
        return self.assumed and not self.learned and self.limit is not None

    def _may_probe(self, now: float) -> bool:
        # An assumed length is not waited out: one request alone finds out whether the
        # window is still spent, and its 429 says until when, which teaches the length.
        if not self._unknown_length() or self._solo is not None:
            return False
        if not self._probed and self._probes < _MAX_PROBES:
            return True  # the first probe of this window
        return now >= self._next_probe

    def _estimated_end(self) -> float | None:
        if self._end is not None:
            return self._end
        if self._start_high is not None:
            return self._start_high + self.window
        return None

    def _assume_new_window(self, now: float) -> None:
        # The window has ended: a fresh one allows `limit` requests, less those still in
        # flight and those whose answers were lost after it ended (the server may count them
        # in the new one).
        late = self._late_lost
        self._roll_share()
        self._begin(
            anchor=self._sent,
            first=self._sent + 1,
            start_high=now,
            start_low=None,
            remaining=self.limit,
        )
        self._window_sent = self._carry = self.in_flight + late
        self._solo_next = True
        self._provisional = self.limit is not None

    def take(self, *, started: float, now: float) -> Ticket:
        """Take a permit at `now` for a request that began waiting at `started`."""
        self._sent += 1
        seq = self._sent
        ahead = self.in_flight
        self.in_flight += 1
        self._window_sent += 1
        self._pending.add(seq)
        tokens = self.tokens
        if self._solo_next:
            self._solo_next = False
            self._solo = seq
        elif tokens is not None and tokens < 0 and self._may_probe(now):
            self._probed = True
            self._probes += 1
            self._solo = seq
            self._next_probe = now + self._spacing
            self._spacing = min(self._spacing * 2, _MAX_SPACING)
        return Ticket(seq=seq, sent_at=now, waited=now - started, ahead=ahead)

    def release(self, ticket: Ticket, state: RateLimitState | None, *, now: float) -> None:
        """Give back a permit at `now`, with what the answer said of the window (if anything).

        Call it exactly once per `take`, also when no answer came (``state=None``).
        """
        seq = ticket.seq
        self.in_flight -= 1
        self._pending.discard(seq)
        if seq <= self._min_at and self._unreflected > 0:
            self._unreflected -= 1
        self.answered = True
        if self._solo == seq:
            self._solo = None
        if state is None or state.remaining is None:
            if self._provisional:
                self._solo_next = True  # nothing learnt of the new window: the next goes alone
            end = self._estimated_end()
            if self.limit is not None and end is not None and end <= now:
                self._late_lost += 1  # it may have been counted in the next window
        if state is None:
            return
        if state.limit is not None:
            self.limit = state.limit
        remaining = state.remaining
        if remaining is not None:
            self._read_remaining(ticket, remaining, now)
        if state.reset_after is not None:
            self._end = now + state.reset_after

    def _read_remaining(self, ticket: Ticket, remaining: int, now: float) -> None:
        limit = self.limit
        seq = ticket.seq
        if limit is not None and remaining >= limit - 1:
            if seq > self._anchor:
                # The first request counted in a newer window.
                self._bound_by_turn(now)
                self._anchor_exactly(ticket, now, remaining)
            elif self._start_low is None and seq > self._exact_anchor:
                # The first of the window a later request revealed, arriving after it.
                self._start_low = ticket.sent_at
                self._exact_anchor = seq
            return
        if seq < self._first:
            # Sent before this window began: it may have counted in the last one. It did when
            # its count is more than this window can have reached: then it is not one of
            # this window's own requests after all.
            if limit is not None and limit - remaining > self._window_sent and self._carry:
                self._carry -= 1
                self._window_sent -= 1
            return
        if self._provisional:
            # Counted in the window assumed to have begun: it started by now.
            self._provisional = False
            self._start_high = now
        end = self._estimated_end()
        lowest = self._min_remaining
        if (
            self._start_high is None
            or (end is not None and end <= now)
            or (lowest is not None and remaining > lowest and seq > self._min_at)
        ):
            # Counted in a window whose start went unseen: after the one estimated had ended,
            # or sent after the lowest count was read yet higher than it.
            self._anchor_joined(ticket, now, remaining)
            return
        if lowest is None or remaining < lowest:
            self._lowest(remaining)
        if seq > self._seen_at:
            # Sent after the window was recognised: counted in it, not overtaking into the
            # last one, so its count is evidence of who else spends this window.
            self._estimate_share(remaining)

    def _lowest(self, remaining: int) -> None:
        self._min_remaining = remaining
        self._min_at = self._sent
        self._unreflected = self.in_flight

    def _roll_share(self) -> None:
        # A window with enough evidence replaces the last one's share; one without keeps it.
        if self._window_share is not None:
            self._prev_share = self._window_share

    def _anchor_exactly(self, ticket: Ticket, now: float, remaining: int) -> None:
        seq = ticket.seq
        # Those in flight when it was sent may be counted after it, in its window, even the
        # ones whose answers came back before its own.
        carry = ticket.ahead
        self._roll_share()
        self._begin(
            anchor=seq, first=seq, start_high=now, start_low=ticket.sent_at, remaining=remaining
        )
        self._exact_anchor = seq
        # Counted in it: this request, every later one, and the earlier ones still in flight
        # (they may reach the server after this one).
        self._carry = carry
        self._window_sent = self._sent - seq + 1 + carry

    def _anchor_joined(self, ticket: Ticket, now: float, remaining: int) -> None:
        seq = ticket.seq
        carry = self._pending_before(seq)
        self._roll_share()
        self._begin(anchor=seq, first=seq, start_high=now, start_low=None, remaining=remaining)
        self._carry = carry
        if self.limit is not None:
            # Every request the window counted may have been ours, and so may the later ones.
            self._window_sent = self.limit - remaining + (self._sent - seq) + carry

    def _estimate_share(self, remaining: int) -> None:
        if self.limit is None or self._start_low is None:
            return  # a window joined midway: the server's count may all be ours
        counted = self.limit - remaining
        if counted < _SHARE_EVIDENCE or counted * 2 <= self.limit:
            return
        # Every own request of the window may have been counted already: a later one can
        # overtake this one on the way.
        ours = self._window_sent
        share = max(min(ours / counted, 1.0), 0.05)
        known = self._window_share
        self._window_share = share if known is None else min(known, share)

    def _bound_by_turn(self, now: float) -> None:
        # A new window was counted by now: the last one (whose start we saw) ended by then.
        # Only an assumed length is bounded so: a given one is trusted until a 429.
        if self.assumed and self._start_low is not None:
            self._high = min(self._high, now - self._start_low)
            self._relearn()

    def _pending_before(self, seq: int) -> int:
        return sum(1 for pending in self._pending if pending < seq)

    def pause(self, seconds: float, *, now: float, sent_at: float | None = None) -> None:
        """Pause the whole store for `seconds` from `now` (a 429's wait).

        Args:
            seconds: the server's wait.
            now: the time the 429 was read.
            sent_at: when the refused request was sent, if known: the window had not ended
                then, a lower bound of its length.
        """
        if not math.isfinite(seconds) or seconds <= 0:
            return
        until = now + seconds
        self._paused_until = max(self._paused_until, until)
        if self._start_low is not None:
            self._high = min(self._high, until - self._start_low)
            if sent_at is not None and self._start_high is not None:
                self._low = max(self._low, sent_at - self._start_high)
            self._relearn()
        elif (
            self.assumed
            and sent_at is not None
            and self._last_until is not None
            and self._last_until <= sent_at
        ):
            # Refused after the last end a 429 named: a later window, which began no earlier
            # than that end and lasts the length. The server counts whole seconds, so a named
            # end is up to a second late: the length is below the two ends' gap plus one. The
            # bound of a client that never sees a window begin (another one always sends
            # first), whose 429s cannot bound the length from a start.
            self._high = min(self._high, until - self._last_until + 1.0)
            self._relearn()
        self._last_until = until if self._last_until is None else max(self._last_until, until)
        self._end = until
        self._lowest(0)
        if self.limit is not None:
            self._window_sent = self.limit
        self._solo_next = True  # after the pause, one request goes first

    def _relearn(self) -> None:
        high = self._high
        if not math.isfinite(high) or high < MIN_WINDOW:
            return
        whole = math.floor(high)
        learned = float(whole) if whole > self._low and whole >= 1 else high
        if learned >= MIN_WINDOW:
            self.window = learned
            self.learned = True
