"""Pacing end to end: the toy client against its sandbox's Laravel-style fixed window.

The sandbox is the real server (aiohttp on loopback); its limiter counts every request, so the
429s it answered are the 429s the client met. Bounded: a few seconds each.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

import pytest

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.core._pacing import LocalPacing
from shopbridge.core.bulk._report import BulkOutcome, BulkReport
from shopbridge.core.sansio._policy import RetryPolicy
from tests.core.toy import API_KEY, AsyncToy, Toy
from tests.core.toy_sandbox import ToySandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PATIENT = RetryPolicy(max_attempts=6, deadline=120, backoff_base=0.05, backoff_max=0.5)
"""The default's attempts and deadline, with short backoffs."""


@pytest.fixture
def limited() -> Iterator[ToySandbox]:
    with ToySandbox(rate_limit=RateLimit(limit=30, window=1)).running_in_thread() as running:
        yield running


def items(count: int, prefix: str = "item") -> list[dict[str, str]]:
    return [{"id": f"{prefix}-{n}", "name": f"{prefix} {n}"} for n in range(count)]


async def test_an_unknown_one_second_window_is_learned_with_at_most_one_429(
    limited: ToySandbox,
) -> None:
    async with AsyncToy(API_KEY, "north", base_url=limited.base_url, retry=PATIENT) as toy:
        report = await toy.items.push_many(items(120), concurrency=8)
    assert report.ok, report.summary()
    assert report.counts[BulkOutcome.CREATED] == 120
    assert limited.stats.rate_limited <= 1
    assert report.rate_limited <= 1
    # The report says what was learned: a whole second, not Kanal's assumed minute.
    assert report.learned_windows == {"north": 1.0}
    assert "learned the rate-limit window of north: 1 s" in report.summary()


async def test_a_given_window_is_not_probed(limited: ToySandbox) -> None:
    async with AsyncToy(
        API_KEY, "north", base_url=limited.base_url, retry=PATIENT, rate_window=1.0
    ) as toy:
        report = await toy.items.push_many(items(60), concurrency=8)
    assert report.ok, report.summary()
    assert limited.stats.rate_limited == 0
    assert report.learned_windows == {}


async def test_two_clients_pacing_alone_on_one_store_lose_nothing() -> None:
    with ToySandbox(rate_limit=RateLimit(limit=60, window=2)).running_in_thread() as sandbox:
        # Two backends: each client paces alone, as two processes would.
        async with (
            AsyncToy(
                API_KEY, "north", base_url=sandbox.base_url, retry=PATIENT, pacing=LocalPacing()
            ) as first,
            AsyncToy(
                API_KEY, "north", base_url=sandbox.base_url, retry=PATIENT, pacing=LocalPacing()
            ) as second,
        ):
            reports = await asyncio.gather(
                first.items.push_many(items(150, "a"), concurrency=8),
                second.items.push_many(items(150, "b"), concurrency=8),
            )
    combined = BulkReport.combine(reports)
    assert combined.ok, combined.summary()
    assert combined.counts[BulkOutcome.GAVE_UP] == 0
    assert combined.done == 300


async def test_two_clients_of_one_process_share_the_store_limiter_and_meet_no_429() -> None:
    with ToySandbox(rate_limit=RateLimit(limit=30, window=1)).running_in_thread() as sandbox:
        async with (
            AsyncToy(API_KEY, "north", base_url=sandbox.base_url, rate_window=1.0) as first,
            AsyncToy(API_KEY, "north", base_url=sandbox.base_url, rate_window=1.0) as second,
        ):
            assert first.limiter is second.limiter
            reports = await asyncio.gather(
                first.items.push_many(items(45, "a"), concurrency=8),
                second.items.push_many(items(45, "b"), concurrency=8),
            )
        assert sandbox.stats.rate_limited == 0
    assert BulkReport.combine(reports).done == 90


def test_blocking_clients_in_two_threads_share_the_store_limiter() -> None:
    """Each blocking client runs its own event loop: the one limiter serves both."""
    with ToySandbox(rate_limit=RateLimit(limit=30, window=1)).running_in_thread() as sandbox:
        reports: list[BulkReport] = []

        def push(prefix: str) -> None:
            with Toy(API_KEY, "north", base_url=sandbox.base_url, rate_window=1.0) as toy:
                reports.append(toy.items.push_many(items(45, prefix), concurrency=8))

        threads = [threading.Thread(target=push, args=(prefix,)) for prefix in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sandbox.stats.rate_limited == 0
    assert BulkReport.combine(reports).done == 90
