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
    # Sent and answered at 1.0: the window starts at 1.0 (a start is known between the send
    # of the first request counted and its answer; the length is bounded from the send).
    rate.release(sent(rate, 1.0), state(3, 2), now=1.0)
    rate.pause(2.0, now=5.0)  # the server: it ends at 7.0
    assert rate.window == 6.0


def test_a_429_teaches_nothing_when_the_window_start_is_a_guess() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(3, 0), now=1.0)
    rate.pause(2.0, now=5.0)
    assert rate.window == 60.0


def test_a_window_learned_shorter_than_clock_noise_is_not_learned() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 1.0), state(3, 2), now=1.0)
    rate.pause(MIN_WINDOW / 4, now=1.0)
    assert rate.window == 60.0


def test_a_ticket_says_how_long_its_request_waited() -> None:
    rate = RateWindow(window=60.0)
    ticket = rate.take(started=1.0, now=3.5)
    assert (ticket.seq, ticket.sent_at, ticket.waited) == (1, 3.5, 2.5)


def spend(rate: RateWindow, limit: int, *, start: float, step: float = 0.01) -> float:
    """Send and answer `limit` requests one by one from `start`; returns the time after."""
    now = start
    for left in range(limit - 1, -1, -1):
        rate.release(sent(rate, now), state(limit, left), now=now + step / 2)
        now += step
    return now


def test_an_assumed_window_once_spent_is_probed_not_waited_out() -> None:
    rate = RateWindow(window=60.0, assumed=True)
    now = spend(rate, 5, start=0.0)
    assert rate.tokens == 0
    assert rate.blocked_until(now) is None  # one probe may go
    probe = sent(rate, now)
    assert rate.first_answer_pending  # the probe goes alone
    assert not rate.may_send(now)
    # The store is still spent: 429, Retry-After 1 (whole seconds, rounded up).
    rate.release(probe, state(5, 0), now=now + 0.001)
    rate.pause(1.0, now=now + 0.001, sent_at=now)
    # Between the probe's send (0.05 after the start) and the wait's end (1.05 after the
    # start at the latest) lies one whole second: Laravel's windows are whole seconds.
    assert (rate.window, rate.learned) == (1.0, True)


def test_a_given_window_once_spent_is_waited_out_without_a_probe() -> None:
    rate = RateWindow(window=10.0)
    now = spend(rate, 5, start=0.0)
    assert rate.blocked_until(now) == pytest.approx(10.005)
    assert not rate.learned


def test_a_learned_window_is_used_for_the_next_windows() -> None:
    rate = RateWindow(window=60.0, assumed=True)
    now = spend(rate, 5, start=0.0)
    probe = sent(rate, now)
    rate.release(probe, state(5, 0), now=now)
    rate.pause(1.0, now=now, sent_at=now)
    assert rate.blocked_until(now + 0.5) == now + 1.0  # the pause
    after = now + 1.0
    first = sent(rate, after)
    rate.release(first, state(5, 4), now=after + 0.01)  # the next window starts
    for left in (3, 2, 1, 0):
        rate.release(sent(rate, after + 0.02), state(5, left), now=after + 0.03)
    assert rate.blocked_until(after + 0.04) == pytest.approx(after + 0.01 + 1.0)


def test_a_429_after_a_learned_window_raises_its_lower_bound() -> None:
    rate = RateWindow(window=60.0, assumed=True)
    now = spend(rate, 3, start=0.0)
    probe = sent(rate, now)
    rate.release(probe, state(3, 0), now=now)
    # Retry-After 2 from 0.03: the window is at most 2.03 s, so 2 s is taken.
    rate.pause(2.0, now=now, sent_at=now)
    assert rate.window == 2.0
    # Sent at 2.01 after the start (as 2 s allows), it still met a 429: the window is longer.
    rate._start_low, rate._start_high = 0.0, 0.005  # the same window's start, as seen
    late = rate.take(started=2.01, now=2.01)
    rate.release(late, state(3, 0), now=2.02)
    rate.pause(1.0, now=2.02, sent_at=2.01)
    assert rate.window > 2.0


def test_after_a_pause_one_request_goes_first_then_the_window_opens() -> None:
    rate = RateWindow(window=10.0)
    rate.release(sent(rate, 0.0), state(10, 9), now=0.0)
    rate.pause(2.0, now=1.0)
    assert rate.blocked_until(1.5) == 3.0
    first = sent(rate, 3.0)
    assert not rate.may_send(3.0)  # the others wait for its answer
    rate.release(first, state(10, 9), now=3.01)
    assert rate.may_send(3.01)
    assert rate.tokens == 9


def test_the_first_request_of_an_assumed_new_window_goes_alone() -> None:
    rate = RateWindow(window=1.0)
    spend(rate, 3, start=0.0)
    assert rate.blocked_until(0.5) == pytest.approx(1.005)
    assert rate.blocked_until(1.1) is None
    first = sent(rate, 1.1)
    assert rate.first_answer_pending
    rate.release(first, state(3, 2), now=1.11)
    assert rate.may_send(1.11)


def test_out_of_order_answers_with_another_client_never_overstate_the_tokens() -> None:
    """The newest answer by send order is not the lowest count: take the lowest, less out."""
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(10, 9), now=0.0)  # the window starts
    second, third = sent(rate, 0.1), sent(rate, 0.1)
    # Another client spent 3 meanwhile: the third is counted with 5 left, before the second.
    rate.release(third, state(10, 5), now=0.2)
    # 5 left, less the second still on its way: 4. (Trusting the newest answer by send order
    # said 5 - 0 = 5; counting only our own sends, 10 - 3 = 7.)
    assert rate.tokens == 4
    rate.release(second, state(10, 4), now=0.3)
    assert rate.tokens is not None
    assert rate.tokens <= 4  # (fewer, once the other client's share shows)


def test_an_answer_without_a_count_still_spends_a_token() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(60, 40), now=0.0)
    rate.release(sent(rate, 0.1), None, now=0.2)
    assert rate.tokens == 39


def test_a_window_shared_with_another_client_sends_less_in_flight() -> None:
    rate = RateWindow(window=60.0)
    rate.release(sent(rate, 0.0), state(20, 19), now=0.0)
    assert rate.share == 1.0
    # Ours: 6 more; the server counted 15 by then: someone else sent 8 of them.
    tickets = [sent(rate, 0.1) for _ in range(6)]
    for ticket, left in zip(tickets, (12, 10, 9, 8, 6, 5), strict=True):
        rate.release(ticket, state(20, left), now=0.2)
    assert rate.share < 0.6
    # Alone, 5 - 0 = 5 could go in flight; our share of the 5 left is 2.
    assert rate.tokens == 2


def test_a_new_window_revealed_early_bounds_the_length() -> None:
    rate = RateWindow(window=60.0, assumed=True)
    rate.release(sent(rate, 0.0), state(10, 9), now=0.01)
    rate.release(sent(rate, 2.5), state(10, 9), now=2.51)  # a new window by 2.51
    assert rate.learned
    assert rate.window == 2.0  # the whole seconds within (0, 2.51]


def joined(rate: RateWindow, limit: int, *, start: float, step: float = 0.01) -> float:
    """Another client began the window: answers from `limit - 2` down, never `limit - 1`."""
    now = start
    for left in range(limit - 2, -1, -1):
        rate.release(sent(rate, now), state(limit, left), now=now + step / 2)
        now += step
    return now


def test_a_client_that_never_sees_a_window_begin_learns_its_length_from_two_ends() -> None:
    # Two processes pacing alone on one store: the other always sends first, so this one's
    # 429s cannot bound the length from a start; the gap between two ends a 429 named can.
    rate = RateWindow(window=60.0, assumed=True)
    now = joined(rate, 5, start=0.0)
    refused = sent(rate, now)
    rate.release(refused, state(5, 0), now=now + 0.01)
    rate.pause(2.0, now=now + 0.01, sent_at=now)  # this window ends at 2.05
    assert not rate.learned
    now = joined(rate, 5, start=2.06)
    refused = sent(rate, now)
    rate.release(refused, state(5, 0), now=now + 0.01)
    rate.pause(2.0, now=now + 0.01, sent_at=now)  # the next one ends at 4.1
    # The window is below 4.1 - 2.05 + 1 (the ends are known to a second): 3 s, not 60.
    assert (rate.window, rate.learned) == (3.0, True)


def test_a_length_still_unknown_after_every_probe_is_never_waited_out_blindly() -> None:
    rate = RateWindow(window=60.0, assumed=True)
    now = 0.0
    for _ in range(3):  # three probes, none of them teaching (each window joined midway)
        now = joined(rate, 5, start=now + 0.1)
        assert rate.blocked_until(now) is None  # the probe goes
        probe = sent(rate, now)
        rate.release(probe, state(5, 0), now=now + 0.01)
        now += 0.02
    assert not rate.learned
    # The assumed minute would end near 60 s: a spaced probe goes instead, the spacing
    # doubled at each probe (1, 2, then 4 s after the last one).
    until = rate.blocked_until(now)
    assert until is not None
    assert until == pytest.approx(probe.sent_at + 4.0)
    assert rate.blocked_until(until) is None
