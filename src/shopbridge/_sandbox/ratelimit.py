"""The sandboxes' rate limiter: a fixed window per scope, counted as Laravel counts it.

The algorithm is Laravel's ``throttle`` middleware (Kanal's; Karla documents no limit, and
its sandbox's optional one reuses this): it keeps, per key, a hit counter and a timer. The
window starts at the first hit counted in it and lasts `RateLimit.window` seconds (it is not
aligned to the clock's minutes); a request over the limit is answered 429 and is not counted.
Its answer carries::

    X-RateLimit-Limit: 60            every throttled response
    X-RateLimit-Remaining: 59        every throttled response; 0 on a 429
    Retry-After: 17                  429 only: whole seconds until the window frees, rounded up
    X-RateLimit-Reset: 1767225617    429 only: when the window frees, Unix seconds
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

from attrs import field, frozen, validators

from shopbridge.core._errors import RateLimitSpecError

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

__all__ = [
    "FixedWindowLimiter",
    "RateLimit",
    "RateLimitDecision",
    "RateLimitSpecError",
    "spent_window",
]


def _positive_seconds(_instance: object, _attribute: object, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        msg = f"window must be a positive number of seconds, got {value!r}"
        raise ValueError(msg)


@frozen(kw_only=True)
class RateLimit:
    """Requests allowed per window, per scope (a store, a shop).

    Attributes:
        limit: requests counted per window.
        window: the window's length in seconds.
    """

    limit: int = field(default=60, validator=validators.ge(1))
    window: float = field(default=60.0, validator=_positive_seconds)

    def spec(self) -> str:
        """The ``LIMIT/SECONDS`` text that `parse` reads back."""
        return f"{self.limit}/{self.window:g}"

    @classmethod
    def parse(cls, spec: str) -> RateLimit | None:
        """Read ``LIMIT/SECONDS`` (``60/60``, ``5/0.5``), or ``off`` for no limit.

        Raises:
            RateLimitSpecError: the text is neither.
        """
        text = spec.strip().lower()
        if text in ("off", "none"):
            return None
        limit_text, slash, window_text = text.partition("/")
        msg = (
            f"{spec!r} is not a rate limit: write LIMIT/SECONDS with LIMIT >= 1 and "
            "SECONDS > 0 (e.g. 60/60), or 'off'"
        )
        if not slash or not limit_text.strip().isdigit():
            raise RateLimitSpecError(msg)
        try:
            return cls(limit=int(limit_text), window=float(window_text))
        except ValueError:
            raise RateLimitSpecError(msg) from None


@frozen(kw_only=True)
class RateLimitDecision:
    """The limiter's answer for one request.

    Attributes:
        allowed: whether the request is served (it was counted) or answered 429.
        limit: the window's limit, for ``X-RateLimit-Limit`` (``None``: send no limit headers).
        remaining: requests left in the window after this one.
        retry_after: for a 429, whole seconds until the window frees.
        reset_at: for a 429, when the window frees, Unix seconds.
    """

    allowed: bool
    limit: int | None
    remaining: int
    retry_after: int | None = None
    reset_at: int | None = None

    def headers(self) -> dict[str, str]:
        """The response headers that report this decision."""
        headers: dict[str, str] = {}
        if self.limit is not None:
            headers["X-RateLimit-Limit"] = str(self.limit)
            headers["X-RateLimit-Remaining"] = str(self.remaining)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.reset_at is not None:
            headers["X-RateLimit-Reset"] = str(self.reset_at)
        return headers


def spent_window(limit: int | None, retry_after: int, *, now: float) -> RateLimitDecision:
    """A 429 as if another client had spent the window, which frees in `retry_after` seconds.

    Args:
        limit: the limit to report, if the sandbox has one.
        retry_after: whole seconds until the window frees.
        now: the wall-clock time, Unix seconds.
    """
    return RateLimitDecision(
        allowed=False,
        limit=limit,
        remaining=0,
        retry_after=retry_after,
        reset_at=math.ceil(now + retry_after),
    )


@frozen
class _Window:
    start: float
    hits: int


class FixedWindowLimiter:
    """Laravel's fixed-window limiter, one window per key. Thread-safe.

    Args:
        rate: the limit and the window.
        clock: a monotonic clock in seconds (measures the window).
        wallclock: the wall clock in Unix seconds (for ``X-RateLimit-Reset``).
    """

    def __init__(
        self,
        rate: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._wallclock = wallclock
        self._windows: dict[Hashable, _Window] = {}
        self._lock = threading.Lock()

    def hit(self, key: Hashable) -> RateLimitDecision:
        """Count one request against `key`'s window, unless the window is spent."""
        limit, length = self.rate.limit, self.rate.window
        with self._lock:
            now = self._clock()
            window = self._windows.get(key)
            if window is None or now >= window.start + length:
                window = _Window(start=now, hits=0)
            if window.hits >= limit:
                # Over the limit: answered 429 and, as in Laravel, not counted as a hit.
                left = window.start + length - now
                retry_after = max(math.ceil(left), 1)
                return RateLimitDecision(
                    allowed=False,
                    limit=limit,
                    remaining=0,
                    retry_after=retry_after,
                    reset_at=math.ceil(self._wallclock() + left),
                )
            window = _Window(start=window.start, hits=window.hits + 1)
            self._windows[key] = window
            return RateLimitDecision(allowed=True, limit=limit, remaining=limit - window.hits)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()
