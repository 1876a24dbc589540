"""Four processes push into one Kanal store, sharing its window in Redis: no 429, nothing lost.

The sandbox runs in this process (its own thread); each push runs in a process of its own
(spawned: nothing inherited but the arguments), as an ETL's workers would.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import pytest

from shopbridge.core._pacing_redis import RedisPacing
from shopbridge.kanal import AsyncKanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox, RateLimit
from tests.kanal.bulk_data import order

if TYPE_CHECKING:
    from shopbridge.core.bulk._report import BulkReport

PROCESSES = 4
PER_PROCESS = 60


def push_share(base_url: str, pacing: RedisPacing, first: int) -> BulkReport:
    """One process's share of the orders (run in a spawned process)."""

    async def run() -> BulkReport:
        async with AsyncKanal(
            DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=base_url, rate_window=2.0, pacing=pacing
        ) as kanal:
            records = [order(n) for n in range(first, first + PER_PROCESS)]
            return await kanal.orders.push_many(records, concurrency=8)

    return asyncio.run(run())


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_four_processes_sharing_the_window_in_redis_meet_no_429(
    redis_url: str, namespace: str
) -> None:
    pacing = RedisPacing(redis_url, namespace=namespace)
    with (
        KanalSandbox(rate_limit=RateLimit(limit=60, window=2)).running_in_thread() as sandbox,
        ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        futures = [
            pool.submit(push_share, sandbox.base_url, pacing, share * PER_PROCESS)
            for share in range(PROCESSES)
        ]
        reports = [future.result(timeout=100) for future in futures]
        rate_limited = sandbox.stats.rate_limited
    assert rate_limited == 0
    assert sum(report.done for report in reports) == PROCESSES * PER_PROCESS
    assert all(report.ok and report.rate_limited == 0 for report in reports)
