"""Per-store pacing on the real monotonic clock, with windows of a fraction of a second."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import anyio
import pytest

from shopbridge.core._pacing import Pacer, PacingTimeoutError, StoreLimiter
from shopbridge.core.sansio._waits import RateLimitState

if TYPE_CHECKING:
    from shopbridge.core.sansio._window import Ticket

pytestmark = pytest.mark.anyio

clock = time.monotonic


def state(limit: int, remaining: int, reset_after: float | None = None) -> RateLimitState:
    return RateLimitState(limit=limit, remaining=remaining, reset_after=reset_after)


def tokens(limiter: StoreLimiter) -> int | None:
    # A function, not the property, so that mypy does not carry an earlier narrowing along.
    return limiter.tokens


async def answered(window: float = 0.2) -> StoreLimiter:
    """A limiter whose first request has come back without rate-limit headers."""
    limiter = StoreLimiter(window=window, clock=clock)
    limiter.release(await limiter.acquire(), None)
    return limiter


async def take(limiter: StoreLimiter, tickets: list[Ticket]) -> None:
    tickets.append(await limiter.acquire())


async def send(limiter: StoreLimiter, tickets: list[Ticket]) -> None:
    """Take a permit and give it back, as a request that came back without headers does."""
    ticket = await limiter.acquire()
    tickets.append(ticket)
    limiter.release(ticket, None)


async def test_tokens_come_from_the_rate_limit_headers() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    assert limiter.blocked_until(clock()) is None
    assert (limiter.limit, tokens(limiter)) == (None, None)
    first = await limiter.acquire()
    limiter.release(first, state(60, 59))
    assert (limiter.limit, limiter.tokens) == (60, 59)
    await limiter.acquire()
    await limiter.acquire()
    assert limiter.tokens == 57


async def test_an_answer_without_headers_leaves_the_tokens_alone() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    limiter.release(await limiter.acquire(), state(60, 50))
    limiter.release(await limiter.acquire(), None)
    limiter.release(await limiter.acquire(), RateLimitState())
    assert limiter.tokens == 48


async def test_an_older_answer_arriving_late_is_ignored() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    limiter.release(await limiter.acquire(), state(10, 9))
    older = await limiter.acquire()
    newer = await limiter.acquire()
    limiter.release(newer, state(10, 5))
    # 5 left as the server counted the newer one, and the older one is still on its way: it
    # may yet be counted (the flaw of trusting the newest answer by send order was to say 5).
    assert limiter.tokens == 4
    limiter.release(older, state(10, 7))
    assert limiter.tokens == 5


async def test_requests_overtaking_each_other_never_inflate_the_tokens() -> None:
    """Sent 2 then 3, the server counted 3 first: its answer says 8 left, but 2 spends one more."""
    limiter = StoreLimiter(window=60.0, clock=clock)
    limiter.release(await limiter.acquire(), state(10, 9))  # 1 request counted
    second = await limiter.acquire()
    third = await limiter.acquire()
    limiter.release(third, state(10, 8))  # counted before the second one arrived
    # By the server's answer alone: 8 left. Two of ours went out after the first, and the
    # second is still on its way: 10 - 3 = 7 is all the window may still take.
    assert limiter.tokens == 7
    limiter.release(second, state(10, 7))
    assert limiter.tokens == 7


async def test_a_new_window_counts_the_earlier_requests_still_in_flight() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    limiter.release(await limiter.acquire(), state(10, 9))
    late = await limiter.acquire()  # still on its way when the new window starts
    assert late.seq == 2
    first_of_new = await limiter.acquire()
    limiter.release(first_of_new, state(10, 9))  # the first request counted in a new window
    assert limiter.tokens == 8  # the late one may land in it too


async def test_a_spent_window_blocks_sending_until_its_estimated_end() -> None:
    limiter = StoreLimiter(window=0.2, clock=clock)
    before = clock()
    limiter.release(await limiter.acquire(), state(2, 1))
    limiter.release(await limiter.acquire(), state(2, 0))
    assert limiter.tokens == 0
    assert limiter.blocked_until(clock()) is not None
    third = await limiter.acquire()
    assert third.sent_at >= before + 0.2
    assert limiter.waits == 1
    # The new window is assumed full again, less the request just sent.
    assert limiter.tokens == 1


async def test_the_window_start_is_the_answer_that_reports_limit_minus_one() -> None:
    limiter = StoreLimiter(window=0.5, clock=clock)
    first = await limiter.acquire()
    low = clock()
    limiter.release(first, state(3, 2))
    high = clock()
    await anyio.sleep(0.05)
    for remaining in (1, 0):
        limiter.release(await limiter.acquire(), state(3, remaining))
    end = limiter.blocked_until(clock())
    assert end is not None
    assert low + 0.5 <= end <= high + 0.5


async def test_a_window_joined_midway_is_assumed_to_start_at_the_first_answer() -> None:
    limiter = StoreLimiter(window=0.5, clock=clock)
    first = await limiter.acquire()
    low = clock()
    limiter.release(first, state(3, 1))
    high = clock()
    await anyio.sleep(0.05)
    limiter.release(await limiter.acquire(), state(3, 0))
    end = limiter.blocked_until(clock())
    assert end is not None
    assert low + 0.5 <= end <= high + 0.5


async def test_a_spent_window_reported_after_the_estimate_ran_out_still_blocks() -> None:
    """A window whose first request went unseen (another client, a lost answer) is not over."""
    limiter = StoreLimiter(window=0.1, clock=clock)
    limiter.release(await limiter.acquire(), state(3, 1))
    await anyio.sleep(0.15)  # the window estimated from that answer has ended
    limiter.release(await limiter.acquire(), state(3, 0))  # the server: spent, as of now
    assert limiter.tokens == 0
    assert limiter.blocked_until(clock()) is not None


async def test_a_reset_hint_sets_the_window_end() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    first = await limiter.acquire()
    low = clock()
    limiter.release(first, state(3, 0, reset_after=0.1))
    high = clock()
    end = limiter.blocked_until(clock())
    assert end is not None
    assert low + 0.1 <= end <= high + 0.1
    assert (await limiter.acquire()).sent_at >= low + 0.1


async def test_pause_blocks_every_waiter_until_it_ends() -> None:
    limiter = await answered()
    start = clock()
    limiter.pause(0.2)
    tickets: list[Ticket] = []
    async with anyio.create_task_group() as tasks:
        for _ in range(4):
            # Each gives its permit back: after a pause, one request goes alone first.
            tasks.start_soon(send, limiter, tickets)
    assert len(tickets) == 4
    assert all(ticket.sent_at >= start + 0.2 for ticket in tickets)
    assert len({ticket.seq for ticket in tickets}) == 4


async def test_pause_reaches_a_task_already_waiting_for_the_window() -> None:
    limiter = StoreLimiter(window=0.1, clock=clock)
    limiter.release(await limiter.acquire(), state(1, 0))
    tickets: list[Ticket] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(take, limiter, tickets)
        await anyio.wait_all_tasks_blocked()
        start = clock()
        limiter.pause(0.3)
    assert tickets[0].sent_at >= start + 0.3


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan, math.inf])
async def test_a_pause_that_is_not_a_positive_finite_wait_is_ignored(seconds: float) -> None:
    limiter = await answered()
    limiter.pause(seconds)
    assert limiter.blocked_until(clock()) is None


async def test_a_shorter_pause_does_not_shorten_a_longer_one() -> None:
    limiter = await answered()
    limiter.pause(30.0)
    limiter.pause(0.01)
    until = limiter.blocked_until(clock())
    assert until is not None
    assert until > clock() + 20


async def test_a_429_teaches_the_window_length_when_its_start_was_seen() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    first = await limiter.acquire()
    start_low = first.sent_at  # the window cannot have started before its first request
    limiter.release(first, state(3, 2))
    start_high = clock()
    await anyio.sleep(0.05)
    pause_low = clock()
    limiter.pause(0.3)
    pause_high = clock()
    assert pause_low + 0.3 - start_high <= limiter.window <= pause_high + 0.3 - start_low


async def test_a_429_teaches_nothing_when_the_window_start_is_a_guess() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    limiter.release(await limiter.acquire(), state(3, 0))
    limiter.pause(0.3)
    assert limiter.window == 60.0


async def test_acquire_raises_at_once_when_the_wait_would_pass_the_deadline() -> None:
    limiter = await answered()
    limiter.pause(30.0)
    with anyio.fail_after(5):
        with pytest.raises(PacingTimeoutError, match="frees in") as raised:
            await limiter.acquire(deadline=clock() + 1.0)
    assert 1.0 < raised.value.wait <= 30.0


async def test_acquire_waits_when_the_wait_ends_before_the_deadline() -> None:
    limiter = await answered()
    start = clock()
    limiter.pause(0.1)
    ticket = await limiter.acquire(deadline=clock() + 30.0)
    assert ticket.sent_at >= start + 0.1


async def test_a_deadline_refusal_leaves_the_limiter_usable() -> None:
    limiter = await answered()
    limiter.pause(0.1)
    with pytest.raises(PacingTimeoutError):
        await limiter.acquire(deadline=clock())
    assert (await limiter.acquire()).seq == 2


async def test_the_first_request_goes_alone_until_its_answer_arrives() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    first = await limiter.acquire()
    tickets: list[Ticket] = []
    async with anyio.create_task_group() as tasks:
        for _ in range(3):
            tasks.start_soon(take, limiter, tickets)
        await anyio.wait_all_tasks_blocked()
        assert tickets == []
        limiter.release(first, state(60, 59))
    assert sorted(ticket.seq for ticket in tickets) == [2, 3, 4]
    assert limiter.tokens == 56


async def test_a_first_request_that_failed_also_lets_the_others_go() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    first = await limiter.acquire()
    tickets: list[Ticket] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(take, limiter, tickets)
        await anyio.wait_all_tasks_blocked()
        assert tickets == []
        limiter.release(first, None)
    assert len(tickets) == 1


async def test_after_the_first_answer_requests_go_concurrently() -> None:
    limiter = await answered()
    held = [await limiter.acquire() for _ in range(5)]
    assert [ticket.seq for ticket in held] == [2, 3, 4, 5, 6]
    assert limiter.waits == 0


def test_pacer_keeps_one_limiter_per_key() -> None:
    pacer = Pacer(window=60.0, clock=clock)
    assert "store-1" not in pacer
    limiter = pacer.limiter("store-1")
    assert "store-1" in pacer
    assert pacer.limiter("store-1") is limiter
    assert pacer.limiter("store-2") is not limiter
    assert limiter.window == 60.0


async def test_a_pause_of_one_store_does_not_hold_another() -> None:
    pacer = Pacer(window=60.0, clock=clock)
    paused = pacer.limiter("store-1")
    paused.release(await paused.acquire(), None)
    paused.pause(30.0)
    with anyio.fail_after(5):
        ticket = await pacer.limiter("store-2").acquire()
    assert ticket.seq == 1


async def test_take_now_gives_a_permit_only_when_acquire_would_not_wait() -> None:
    limiter = StoreLimiter(window=60.0, clock=clock)
    first = limiter.take_now()
    assert first is not None
    assert first.waited == 0.0
    assert limiter.take_now() is None  # the first request goes alone: the others wait for it
    limiter.release(first, state(60, 59))
    second = limiter.take_now()
    assert second is not None
    assert second.seq == first.seq + 1
    limiter.release(second, state(60, 58))
    limiter.pause(30.0)
    assert limiter.take_now() is None  # paused: acquire would wait, or refuse past a deadline
    with pytest.raises(PacingTimeoutError):
        await limiter.acquire(deadline=clock() + 1.0)
