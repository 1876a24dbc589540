"""Reading the server's wait hints and rate-limit headers. Pure: no clock, no I/O.

Every function takes the current wall-clock time (``now``, Unix seconds) as an argument and
returns either a finite, non-negative, bounded number of seconds or ``None``. Junk is ignored
rather than guessed at: ``"120junk"``, ``"-3"``, ``"1.5e9"``, ``"nan"`` and ``""`` are all ``None``;
a date in the past is ``0.0``; anything longer than `MAX_SERVER_WAIT` is cut to it, whatever
its count of digits (and the deadline check then refuses to wait that long).

Headers are read from a case-insensitive mapping (aiohttp's ``CIMultiDictProxy``) or from a plain
mapping with lower-case names.
"""

from __future__ import annotations

import math
import re
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from attrs import frozen

from shopbridge.core.sansio._verdict import WaitSource

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "EPOCH_THRESHOLD",
    "MAX_SERVER_WAIT",
    "RateLimitState",
    "ServerWait",
    "parse_delay_seconds",
    "parse_rate_limit",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "server_wait",
]

MAX_SERVER_WAIT = 3600.0
"""The longest wait any hint can produce, in seconds. Kanal's window is one minute; an hour is
already absurd, and the retry deadline normally refuses far less."""

EPOCH_THRESHOLD = 1_000_000_000
"""An ``X-RateLimit-Reset`` at or above this (September 2001) is a Unix timestamp; below it, a
number of seconds. Laravel and GitHub send timestamps, the IETF draft sends seconds."""

_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
"""Any count of digits: a wait with thirteen of them is huge, not junk, and is capped like
one with twelve (``float()`` of a longer run of digits is a large float, or infinity, which
`_bounded` caps too; it never raises)."""
_INTEGER = re.compile(r"[0-9]{1,12}")


@frozen
class ServerWait:
    """A wait the server asked for, and where it said so."""

    seconds: float
    source: WaitSource


@frozen(kw_only=True)
class RateLimitState:
    """What one response said about the store's rate-limit window.

    Attributes:
        limit: ``X-RateLimit-Limit``, requests allowed per window.
        remaining: ``X-RateLimit-Remaining``, requests left in the current window.
        reset_after: seconds until the window frees, from ``X-RateLimit-Reset`` or
            ``Retry-After``, when the response carried either.
    """

    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None


def _bounded(seconds: float) -> float:
    return min(max(seconds, 0.0), MAX_SERVER_WAIT)


def _parse_amount(value: object) -> float | None:
    # A finite, non-negative number, not yet bounded (the unit is the caller's).
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if value < 0 else float(min(value, 2**53))
    if isinstance(value, float):
        return value if math.isfinite(value) and value >= 0 else None
    if isinstance(value, str | bytes):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        text = text.strip()
        if _SECONDS.fullmatch(text) is None:
            return None
        return float(text)
    return None


def parse_delay_seconds(value: object) -> float | None:
    """Read a delay given as seconds: ``"2"``, ``"1.5"``, ``2``, ``1.5``.

    Returns:
        The delay, bounded to `MAX_SERVER_WAIT`; ``None`` for junk, negative, NaN or infinite
        values and for booleans.
    """
    amount = _parse_amount(value)
    return None if amount is None else _bounded(amount)


def _parse_http_date(text: str, now: float) -> float | None:
    # A date always names a day or a month; refusing letter-less text keeps "1.5" or "-3"
    # from being read as a year, as some parsers do.
    if not any(ch.isalpha() for ch in text):
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means "UTC, origin unknown" (RFC 5322)
        when = when.replace(tzinfo=UTC)
    try:
        return _bounded(when.timestamp() - now)
    except (OverflowError, ValueError, OSError):
        return None


def parse_retry_after(value: str, now: float) -> float | None:
    """Read ``Retry-After``: delay-seconds (integer or fractional) or an HTTP-date.

    Args:
        value: the header's value.
        now: the current time, Unix seconds.

    Returns:
        Seconds to wait; ``0.0`` for a date in the past; ``None`` for junk or negative values.
    """
    seconds = parse_delay_seconds(value)
    if seconds is not None:
        return seconds
    return _parse_http_date(value.strip(), now)


def parse_rate_limit_reset(value: str, now: float) -> float | None:
    """Read ``X-RateLimit-Reset`` as seconds from ``now``.

    At or above `EPOCH_THRESHOLD` it is a Unix timestamp (Laravel, GitHub); below, a delay in
    seconds (the IETF draft). A timestamp in the past is ``0.0``.
    """
    text = value.strip()
    if _SECONDS.fullmatch(text) is None:
        return None
    number = float(text)
    if number >= EPOCH_THRESHOLD:
        return _bounded(number - now)
    return _bounded(number)


def server_wait(
    headers: Mapping[str, str], body_retry_after: object, now: float
) -> ServerWait | None:
    """The server's wait hint, most precise source first.

    Order: ``retry-after-ms``, ``Retry-After``, ``X-RateLimit-Reset``, then a ``retry_after``
    field of the body. A junk value in one source falls through to the next.

    Args:
        headers: the response headers.
        body_retry_after: the ``retry_after`` value from the body, if the body had one.
        now: the current time, Unix seconds.
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        millis = _parse_amount(raw_ms)
        if millis is not None:
            # Bounded in milliseconds first, then converted: a huge value stays huge.
            return ServerWait(_bounded(millis / 1000.0), WaitSource.RETRY_AFTER_MS)
    raw = headers.get("retry-after")
    if raw is not None:
        seconds = parse_retry_after(raw, now)
        if seconds is not None:
            return ServerWait(seconds, WaitSource.RETRY_AFTER)
    raw_reset = headers.get("x-ratelimit-reset")
    if raw_reset is not None:
        seconds = parse_rate_limit_reset(raw_reset, now)
        if seconds is not None:
            return ServerWait(seconds, WaitSource.RATE_LIMIT_RESET)
    if body_retry_after is not None:
        seconds = parse_delay_seconds(body_retry_after)
        if seconds is not None:
            return ServerWait(seconds, WaitSource.BODY)
    return None


def _parse_count(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if _INTEGER.fullmatch(text) is None:
        return None
    return int(text)


def parse_rate_limit(headers: Mapping[str, str], now: float) -> RateLimitState | None:
    """Read ``X-RateLimit-Limit``/``-Remaining`` and the window's reset, if present.

    Returns:
        ``None`` when the response carries neither a limit nor a remaining count.
    """
    limit = _parse_count(headers.get("x-ratelimit-limit"))
    remaining = _parse_count(headers.get("x-ratelimit-remaining"))
    if limit is None and remaining is None:
        return None
    reset_after: float | None = None
    raw_reset = headers.get("x-ratelimit-reset")
    if raw_reset is not None:
        reset_after = parse_rate_limit_reset(raw_reset, now)
    if reset_after is None:
        raw = headers.get("retry-after")
        if raw is not None:
            reset_after = parse_retry_after(raw, now)
    if limit is not None and remaining is not None:
        remaining = min(remaining, limit)
    return RateLimitState(limit=limit, remaining=remaining, reset_after=reset_after)
