"""The rate-window arithmetic, pure: every time is an argument, nothing sleeps."""

from __future__ import annotations

import math

import pytest

from shopbridge.core.sansio._waits import RateLimitState
from shopbridge.core.sansio._window import MIN_WINDOW, RateWindow, Ticket


def state(limit: int, remaining: int, reset_after: float | None = None) -> RateLimitState:
    return RateLimitState(limit=limit, remaining=remaining, reset_after=reset_after)


def sent(window: RateWindow, now: float) -> Ticket:
    return window.take(started=now, now=now)


def answered(window: float = 60.0, now: float = 0.0) -> RateWindow:
    """A window whose first request has come back without rate-limit headers."""
    rate = RateWindow(window=window)
    rate.release(sent(rate, now), None, now=now)
    return rate


def test_a_fresh_window_knows_nothing_and_lets_the_first_request_go() -> None:
    rate = RateWindow(window=60.0)
    assert (rate.limit, rate.tokens, rate.answered) == (None, None, False)
    assert rate.may_send(0.0)


def test_the_first_request_goes_alone_until_an_answer_comes_back() -> None:
    rate = RateWindow(window=60.0)
    first = sent(rate, 0.0)
    assert rate.first_answer_pending
    assert not rate.may_send(0.0)
    rate.release(first, None, now=0.1)
    assert (rate.answered, rate.may_send(0.1)) == (True, True)


def test_tokens_count_down_from_the_newest_answer() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(60, 59), now=0.1)
    sent(rate, 0.2)
    sent(rate, 0.3)
    assert (rate.limit, rate.tokens) == (60, 57)


def test_an_older_answer_arriving_late_changes_nothing() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(10, 9), now=0.0)
    older, newer = sent(rate, 0.1), sent(rate, 0.1)
    rate.release(newer, state(10, 5), now=0.2)
    rate.release(older, state(10, 7), now=0.3)
    assert rate.tokens == 5


def test_a_spent_window_blocks_until_its_start_plus_its_length() -> None:
    rate = RateWindow(window=10.0)
    rate.release(sent(rate, 0.0), state(2, 1), now=1.0)  # the window starts at 1.0
    rate.release(sent(rate, 2.0), state(2, 0), now=2.5)
    assert rate.tokens == 0
    assert rate.blocked_until(5.0) == 11.0
    assert not rate.may_send(5.0)


def test_past_its_end_a_spent_window_is_followed_by_a_full_one() -> None:
    rate = RateWindow(window=10.0)
    rate.release(sent(rate, 0.0), state(2, 1), now=1.0)
    rate.release(sent(rate, 2.0), state(2, 0), now=2.5)
    assert rate.blocked_until(11.0) is None
    assert rate.tokens == 2


def test_a_new_window_counts_the_earlier_requests_still_in_flight() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(10, 9), now=0.1)
    late = sent(rate, 0.2)  # still on its way when the new window starts
    first_of_new = sent(rate, 0.3)
    rate.release(first_of_new, state(10, 9), now=0.4)  # the first one counted in a new window
    assert late.seq == 2
    assert rate.tokens == 8  # the late one may land in it too


def test_a_reset_hint_sets_the_exact_end() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(3, 0, reset_after=4.0), now=1.0)
    assert rate.blocked_until(2.0) == 5.0
    assert rate.blocked_until(5.0) is None


def test_a_pause_blocks_until_it_ends_and_a_shorter_one_does_not_shorten_it() -> None:
    rate = answered(now=0.0)
    rate.pause(30.0, now=1.0)
    rate.pause(0.5, now=2.0)
    assert rate.blocked_until(2.0) == 31.0
    assert rate.blocked_until(31.0) is None


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan, math.inf])
def test_a_pause_that_is_not_a_positive_finite_wait_is_ignored(seconds: float) -> None:
    rate = answered()
    rate.pause(seconds, now=1.0)
    assert rate.blocked_until(1.0) is None


def test_a_429_teaches_the_window_length_when_its_start_was_seen() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(3, 2), now=1.0)  # seen: the window starts at 1.0
    rate.pause(2.0, now=5.0)  # the server: it ends at 7.0
    assert rate.window == 6.0


def test_a_429_teaches_nothing_when_the_window_start_is_a_guess() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(3, 0), now=1.0)
    rate.pause(2.0, now=5.0)
    assert rate.window == 60.0


def test_a_window_learned_shorter_than_clock_noise_is_not_learned() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(3, 2), now=1.0)
    rate.pause(MIN_WINDOW / 4, now=1.0)
    assert rate.window == 60.0


def test_a_ticket_says_how_long_its_request_waited() -> None:
    rate = RateWindow(window=60.0)
    ticket = rate.take(started=1.0, now=3.5)
    assert (ticket.seq, ticket.sent_at, ticket.waited) == (1, 3.5, 2.5)
