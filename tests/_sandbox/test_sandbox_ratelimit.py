"""The sandboxes' rate limiter: Laravel's fixed window, its headers, its spec."""

from __future__ import annotations

import pytest

from shopbridge._sandbox.ratelimit import (
    FixedWindowLimiter,
    RateLimit,
    RateLimitDecision,
    RateLimitSpecError,
    spent_window,
)
from shopbridge.kanal.sandbox import DEFAULT_RATE_LIMIT


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _limiter(limit: int = 3, window: float = 10.0) -> tuple[FixedWindowLimiter, Clock]:
    clock = Clock()
    wall = Clock(1_767_225_600.0)
    return FixedWindowLimiter(
        RateLimit(limit=limit, window=window), clock=clock, wallclock=wall
    ), clock


def test_the_window_starts_at_the_first_hit_and_counts_down() -> None:
    limiter, clock = _limiter()
    remaining = []
    for _ in range(3):
        remaining.append(limiter.hit("store").remaining)
        clock.now += 1
    assert remaining == [2, 1, 0]


def test_over_the_limit_is_refused_with_the_time_left_rounded_up() -> None:
    limiter, clock = _limiter()
    for _ in range(3):
        assert limiter.hit("store").allowed
    clock.now += 2.5
    refused = limiter.hit("store")
    assert refused == RateLimitDecision(
        allowed=False, limit=3, remaining=0, retry_after=8, reset_at=1_767_225_608
    )
    assert refused.headers() == {
        "X-RateLimit-Limit": "3",
        "X-RateLimit-Remaining": "0",
        "Retry-After": "8",
        "X-RateLimit-Reset": "1767225608",
    }


def test_a_refused_request_is_not_counted() -> None:
    limiter, clock = _limiter(limit=1, window=10)
    limiter.hit("store")
    for _ in range(5):
        assert not limiter.hit("store").allowed
    clock.now += 10  # the window that started at the first hit is over
    fresh = limiter.hit("store")
    assert (fresh.allowed, fresh.remaining) == (True, 0)


def test_a_window_is_fixed_not_sliding() -> None:
    limiter, clock = _limiter(limit=2, window=10)
    limiter.hit("store")
    clock.now += 9
    limiter.hit("store")
    clock.now += 1  # 10 s after the first hit: a new window, although the second was 1 s ago
    assert limiter.hit("store").remaining == 1


def test_retry_after_is_at_least_one_second() -> None:
    limiter, clock = _limiter(limit=1, window=1)
    limiter.hit("store")
    clock.now += 0.999
    assert limiter.hit("store").retry_after == 1


def test_each_key_has_its_own_window() -> None:
    limiter, _ = _limiter(limit=1)
    assert limiter.hit(1).allowed
    assert limiter.hit(3).allowed
    assert not limiter.hit(1).allowed
    limiter.reset()
    assert limiter.hit(1).allowed


def test_an_allowed_decision_reports_limit_and_remaining_only() -> None:
    assert RateLimitDecision(allowed=True, limit=60, remaining=59).headers() == {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "59",
    }


def test_a_spent_window_without_a_limit_has_only_the_wait() -> None:
    assert spent_window(None, 2, now=100.2).headers() == {
        "Retry-After": "2",
        "X-RateLimit-Reset": "103",
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("60/60", DEFAULT_RATE_LIMIT),
        (" 5/0.5 ", RateLimit(limit=5, window=0.5)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rate_limit_spec(spec: str, expected: RateLimit | None) -> None:
    assert RateLimit.parse(spec) == expected
    if expected is not None:
        assert RateLimit.parse(expected.spec()) == expected


@pytest.mark.parametrize("spec", ["60", "0/60", "60/0", "60/-1", "x/60", "60/abc", "60/inf", ""])
def test_bad_rate_limit_spec(spec: str) -> None:
    with pytest.raises(RateLimitSpecError, match="is not a rate limit"):
        RateLimit.parse(spec)
