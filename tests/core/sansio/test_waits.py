"""The server's wait hints and rate-limit headers: every source, precedence, and junk."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from shopbridge.core.sansio._verdict import WaitSource
from shopbridge.core.sansio._waits import (
    EPOCH_THRESHOLD,
    MAX_SERVER_WAIT,
    RateLimitState,
    ServerWait,
    parse_delay_seconds,
    parse_rate_limit,
    parse_rate_limit_reset,
    parse_retry_after,
    server_wait,
)

NOW = 1_800_000_000.0
"""A fixed wall clock: 2027-01-15T08:00:00Z."""

JUNK = [
    "",
    "   ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "120junk",
    "1.5e9",
    "1e3",
    "-3",
    "+5",
    "0x10",
    "1,5",
    "1_000",
    "soon",
    "Wed, 32 Oct 2015 07:28:00 GMT",
]
"""Header values that are not a wait: each must be ignored, never guessed at."""


def http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def is_bounded_wait(value: object) -> bool:
    return value is None or (
        isinstance(value, float) and math.isfinite(value) and 0.0 <= value <= MAX_SERVER_WAIT
    )


# Retry-After


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), ("0", 0.0), (" 7 ", 7.0), ("1.5", 1.5), ("0.25", 0.25)],
)
def test_retry_after_in_seconds_is_read_verbatim(value: str, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_http_date_in_the_future_waits_until_then() -> None:
    assert parse_retry_after(http_date(NOW + 90), NOW) == 90.0


def test_http_date_in_the_past_waits_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == 0.0


def test_http_date_with_a_numeric_offset_is_read_in_that_zone() -> None:
    # 09:01:00 +0100 is 08:01:00 UTC: one minute after NOW.
    assert parse_retry_after("Fri, 15 Jan 2027 09:01:00 +0100", NOW) == 60.0


def test_http_date_far_in_the_future_is_capped() -> None:
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", NOW) == MAX_SERVER_WAIT


@pytest.mark.parametrize("value", JUNK)
def test_junk_retry_after_is_ignored(value: str) -> None:
    assert parse_retry_after(value, NOW) is None


@pytest.mark.parametrize("value", ["999999999999", "86400"])
def test_absurd_retry_after_is_capped(value: str) -> None:
    assert parse_retry_after(value, NOW) == MAX_SERVER_WAIT


@pytest.mark.parametrize("value", ["\u0661\u0662\u0660", "\uff11\uff12\uff10"])
def test_non_ascii_digits_are_not_a_delay(value: str) -> None:
    """RFC 9110's delay-seconds is 1*DIGIT, ASCII digits only."""
    assert parse_retry_after(value, NOW) is None


# X-RateLimit-Reset


def test_rate_limit_reset_as_epoch_seconds_is_the_time_until_then() -> None:
    assert parse_rate_limit_reset(str(int(NOW) + 30), NOW) == 30.0


def test_rate_limit_reset_in_the_past_waits_zero() -> None:
    assert parse_rate_limit_reset(str(int(NOW) - 30), NOW) == 0.0


def test_rate_limit_reset_as_a_small_number_is_a_delay() -> None:
    assert parse_rate_limit_reset("30", NOW) == 30.0


def test_rate_limit_reset_just_below_the_epoch_threshold_is_a_capped_delay() -> None:
    assert parse_rate_limit_reset(str(EPOCH_THRESHOLD - 1), NOW) == MAX_SERVER_WAIT


@pytest.mark.parametrize("value", JUNK)
def test_junk_rate_limit_reset_is_ignored(value: str) -> None:
    assert parse_rate_limit_reset(value, NOW) is None


# Delays given as numbers (body retry_after, retry-after-ms)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(60, 60.0), (1.5, 1.5), (0, 0.0), ("60", 60.0), (" 2.5 ", 2.5), (b"3", 3.0)],
)
def test_delay_seconds_accepts_numbers_and_numeric_strings(value: object, seconds: float) -> None:
    assert parse_delay_seconds(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        -3,
        -0.5,
        math.nan,
        -math.inf,
        None,
        [60],
        {"seconds": 60},
        "-3",
        "nan",
        "inf",
        "120junk",
        "1.5e9",
    ],
)
def test_junk_delay_seconds_is_ignored(value: object) -> None:
    assert parse_delay_seconds(value) is None


@pytest.mark.parametrize("value", [1e300, 10**20, 3601, "999999999999"])
def test_absurd_delay_seconds_is_capped(value: object) -> None:
    assert parse_delay_seconds(value) == MAX_SERVER_WAIT


HUGE = ["1000000000000", "99999999999999999999", "1" * 400, "1000000000000.5", "0.0000000001"]
"""Many digits, all of them a real number: a huge wait is huge, whatever its digit count."""


@pytest.mark.parametrize("value", HUGE[:-1])
def test_a_huge_wait_of_any_digit_count_is_capped_in_every_source(value: str) -> None:
    assert parse_retry_after(value, NOW) == MAX_SERVER_WAIT
    assert parse_delay_seconds(value) == MAX_SERVER_WAIT
    assert parse_rate_limit_reset(value, NOW) == MAX_SERVER_WAIT
    assert server_wait({"retry-after": value}, None, NOW) == ServerWait(
        MAX_SERVER_WAIT, WaitSource.RETRY_AFTER
    )
    assert server_wait({"retry-after-ms": value + "000"}, None, NOW) == ServerWait(
        MAX_SERVER_WAIT, WaitSource.RETRY_AFTER_MS
    )


def test_a_wait_with_many_fraction_digits_is_read_not_ignored() -> None:
    assert parse_retry_after(HUGE[-1], NOW) == pytest.approx(1e-10)


def test_an_infinite_delay_is_ignored() -> None:
    """The docstring's promise: ``None`` for infinite values, as for NaN."""
    assert parse_delay_seconds(math.inf) is None


def test_an_integer_too_large_for_a_float_is_capped_not_raised() -> None:
    assert parse_delay_seconds(10**400) == MAX_SERVER_WAIT


# server_wait: every source and the order between them


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"retry-after-ms": "1500"}, None, ServerWait(1.5, WaitSource.RETRY_AFTER_MS)),
        ({"retry-after": "7"}, None, ServerWait(7.0, WaitSource.RETRY_AFTER)),
        ({"retry-after": "0.5"}, None, ServerWait(0.5, WaitSource.RETRY_AFTER)),
        (
            {"x-ratelimit-reset": str(int(NOW) + 42)},
            None,
            ServerWait(42.0, WaitSource.RATE_LIMIT_RESET),
        ),
        ({"x-ratelimit-reset": "42"}, None, ServerWait(42.0, WaitSource.RATE_LIMIT_RESET)),
        ({}, 60, ServerWait(60.0, WaitSource.BODY)),
        ({}, 1.5, ServerWait(1.5, WaitSource.BODY)),
        ({}, "60", ServerWait(60.0, WaitSource.BODY)),
    ],
    ids=[
        "retry-after-ms",
        "retry-after-seconds",
        "retry-after-fraction",
        "reset-epoch",
        "reset-delta",
        "body-int",
        "body-float",
        "body-numeric-string",
    ],
)
def test_server_wait_reads_each_source(
    headers: dict[str, str], body: object, expected: ServerWait
) -> None:
    assert server_wait(headers, body, NOW) == expected


ALL_SOURCES = {
    "retry-after-ms": "1000",
    "retry-after": "2",
    "x-ratelimit-reset": "3",
}


@pytest.mark.parametrize(
    ("absent", "expected"),
    [
        ((), ServerWait(1.0, WaitSource.RETRY_AFTER_MS)),
        (("retry-after-ms",), ServerWait(2.0, WaitSource.RETRY_AFTER)),
        (("retry-after-ms", "retry-after"), ServerWait(3.0, WaitSource.RATE_LIMIT_RESET)),
        (
            ("retry-after-ms", "retry-after", "x-ratelimit-reset"),
            ServerWait(4.0, WaitSource.BODY),
        ),
    ],
)
def test_server_wait_takes_the_most_precise_source_first(
    absent: tuple[str, ...], expected: ServerWait
) -> None:
    headers = {name: value for name, value in ALL_SOURCES.items() if name not in absent}
    assert server_wait(headers, 4, NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"retry-after-ms": "soon", "retry-after": "2", "x-ratelimit-reset": "3"},
            ServerWait(2.0, WaitSource.RETRY_AFTER),
        ),
        (
            {"retry-after-ms": "-1", "retry-after": "120junk", "x-ratelimit-reset": "3"},
            ServerWait(3.0, WaitSource.RATE_LIMIT_RESET),
        ),
        (
            {"retry-after": "-3", "x-ratelimit-reset": "nan"},
            ServerWait(4.0, WaitSource.BODY),
        ),
    ],
    ids=["junk-ms-to-retry-after", "junk-retry-after-to-reset", "junk-reset-to-body"],
)
def test_a_junk_source_falls_through_to_the_next(
    headers: dict[str, str], expected: ServerWait
) -> None:
    assert server_wait(headers, 4, NOW) == expected


def test_no_usable_source_gives_no_wait() -> None:
    headers = {"retry-after-ms": "", "retry-after": "soon", "x-ratelimit-reset": "1.5e9"}
    assert server_wait(headers, "-1", NOW) is None
    assert server_wait({}, None, NOW) is None


@pytest.mark.parametrize("body", [True, False, -3, math.nan, "-3", "sixty", [60], {}])
def test_a_junk_body_retry_after_gives_no_wait(body: object) -> None:
    assert server_wait({}, body, NOW) is None


@pytest.mark.parametrize(
    ("millis", "seconds"), [("3601", 3.601), ("60000", 60.0), ("3600000", MAX_SERVER_WAIT)]
)
def test_retry_after_ms_longer_than_3600_ms_is_not_cut_short(millis: str, seconds: float) -> None:
    """The cap is `MAX_SERVER_WAIT` seconds, not `MAX_SERVER_WAIT` milliseconds."""
    wait = server_wait({"retry-after-ms": millis}, None, NOW)
    assert wait == ServerWait(seconds, WaitSource.RETRY_AFTER_MS)


def test_absurd_retry_after_ms_is_capped() -> None:
    wait = server_wait({"retry-after-ms": "999999999999"}, None, NOW)
    assert wait == ServerWait(MAX_SERVER_WAIT, WaitSource.RETRY_AFTER_MS)


def test_server_wait_reads_case_insensitive_headers() -> None:
    headers = CIMultiDictProxy(CIMultiDict({"Retry-After": "5", "X-RateLimit-Reset": "9"}))
    assert server_wait(headers, None, NOW) == ServerWait(5.0, WaitSource.RETRY_AFTER)


# parse_rate_limit


def test_rate_limit_reads_limit_and_remaining() -> None:
    headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "59"}
    assert parse_rate_limit(headers, NOW) == RateLimitState(limit=60, remaining=59)


def test_rate_limit_reads_the_reset_as_seconds_from_now() -> None:
    headers = {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(NOW) + 12),
    }
    assert parse_rate_limit(headers, NOW) == RateLimitState(limit=60, remaining=0, reset_after=12.0)


def test_rate_limit_reset_falls_back_to_retry_after() -> None:
    headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "retry-after": "12"}
    assert parse_rate_limit(headers, NOW) == RateLimitState(limit=60, remaining=0, reset_after=12.0)


def test_rate_limit_remaining_is_capped_at_the_limit() -> None:
    headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "75"}
    assert parse_rate_limit(headers, NOW) == RateLimitState(limit=60, remaining=60)


def test_rate_limit_without_the_headers_is_none() -> None:
    assert parse_rate_limit({"retry-after": "5"}, NOW) is None
    assert parse_rate_limit({}, NOW) is None


def test_rate_limit_with_one_of_the_two_counts_keeps_it() -> None:
    assert parse_rate_limit({"x-ratelimit-remaining": "3"}, NOW) == RateLimitState(remaining=3)
    assert parse_rate_limit({"x-ratelimit-limit": "60"}, NOW) == RateLimitState(limit=60)


@pytest.mark.parametrize("junk", ["sixty", "-1", "1.5", "", "6e1"])
def test_a_junk_count_is_absent(junk: str) -> None:
    headers = {"x-ratelimit-limit": junk, "x-ratelimit-remaining": "5"}
    assert parse_rate_limit(headers, NOW) == RateLimitState(remaining=5)


def test_rate_limit_reads_case_insensitive_headers() -> None:
    headers = CIMultiDictProxy(
        CIMultiDict({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "10"})
    )
    assert parse_rate_limit(headers, NOW) == RateLimitState(limit=60, remaining=10)


# Properties: whatever the server sends, a wait is None or a bounded, finite float.

header_text = st.one_of(
    st.text(),
    st.from_regex(r"\A\s*-?\d{1,15}(\.\d{0,12})?\s*\Z"),
    st.builds(
        "{}, {:02d} {} {} {:02d}:{:02d}:{:02d} {}".format,
        st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Xyz"]),
        st.integers(-5, 40),
        st.sampled_from(["Jan", "Feb", "Oct", "Dec", "Foo"]),
        st.integers(-1, 10_000),
        st.integers(-1, 30),
        st.integers(-1, 70),
        st.integers(-1, 70),
        st.sampled_from(["GMT", "UTC", "+0100", "-2359", "+9999", "-0000", "EST", ""]),
    ),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    header_text,
    st.binary(max_size=20),
)
body_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
wall_clock = st.floats(min_value=0.0, max_value=2.0**34, allow_nan=False)
wait_headers = st.dictionaries(
    st.sampled_from(
        [
            "retry-after-ms",
            "retry-after",
            "x-ratelimit-reset",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
        ]
    ),
    header_text,
)


@settings(max_examples=200, deadline=None)
@given(value=header_text, now=wall_clock)
def test_header_parsers_never_raise_and_stay_bounded(value: str, now: float) -> None:
    assert is_bounded_wait(parse_retry_after(value, now))
    assert is_bounded_wait(parse_rate_limit_reset(value, now))


@settings(max_examples=200, deadline=None)
@given(value=body_values)
@example(value=10**400)
@example(value=-(10**400))
def test_delay_seconds_never_raises_and_stays_bounded(value: Any) -> None:
    assert is_bounded_wait(parse_delay_seconds(value))


@settings(max_examples=200, deadline=None)
@given(headers=wait_headers, body=body_values, now=wall_clock)
def test_server_wait_never_raises_and_stays_bounded(
    headers: dict[str, str], body: Any, now: float
) -> None:
    wait = server_wait(headers, body, now)
    assert wait is None or is_bounded_wait(wait.seconds)


@settings(max_examples=200, deadline=None)
@given(headers=wait_headers, now=wall_clock)
def test_parse_rate_limit_never_raises(headers: dict[str, str], now: float) -> None:
    state = parse_rate_limit(headers, now)
    if state is None:
        return
    assert is_bounded_wait(state.reset_after)
    for count in (state.limit, state.remaining):
        assert count is None or count >= 0
    if state.limit is not None and state.remaining is not None:
        assert state.remaining <= state.limit
