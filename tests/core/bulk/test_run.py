"""The bulk runner's own bookkeeping, with handlers of the tests' making (no HTTP here).

Everything that sends runs against the sandboxes (tests/kanal/test_bulk.py); these tests drive
`run_bulk` with handlers that settle records directly, to reach the orders of events a server
cannot force: a stop before the other tasks ever ran, a handler that raises, a slow record
holding the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import pytest

from shopbridge.core._errors import ConfigurationError
from shopbridge.core.bulk._push import run_bulk
from shopbridge.core.bulk._report import BulkOutcome, Settled
from shopbridge.core.bulk._sources import items_from

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio


def identity(record: Any) -> Any:
    return record


async def test_a_stop_before_the_other_tasks_ran_still_accounts_for_every_record() -> None:
    async def handle(record: Any) -> Settled:
        if record == 0:  # settles without a suspension: the others were created, never ran
            return Settled(outcome=BulkOutcome.CREDENTIALS_REJECTED, stops_run=True)
        await anyio.lowlevel.checkpoint()
        return Settled(outcome=BulkOutcome.CREATED, attempts=1)

    with anyio.fail_after(10):
        report = await run_bulk(
            items_from(range(50)), handle, resource="r", scope="s", to_json=identity, concurrency=8
        )
    assert report.counts[BulkOutcome.CREDENTIALS_REJECTED] == 1
    assert report.counts[BulkOutcome.SKIPPED] == 49
    assert report.stopped is not None


async def test_a_handler_that_raises_fails_its_record_and_loses_nothing() -> None:
    async def handle(record: Any) -> Settled:
        if record == 3:
            msg = "boom"
            raise RuntimeError(msg)
        return Settled(outcome=BulkOutcome.CREATED, attempts=1)

    report = await run_bulk(
        items_from(range(10)), handle, resource="r", scope="s", to_json=identity
    )
    assert report.counts[BulkOutcome.FAILED] == 1
    assert report.counts[BulkOutcome.CREATED] == 9


async def test_a_slow_record_holds_the_reading_within_max_pending() -> None:
    read_ahead = 0
    settled = 0
    release = anyio.Event()

    async def records() -> AsyncIterator[int]:
        nonlocal read_ahead
        for number in range(200):
            read_ahead = max(read_ahead, number - settled)
            yield number

    async def handle(record: Any) -> Settled:
        nonlocal settled
        if record == 0:
            await release.wait()
        settled += 1
        return Settled(outcome=BulkOutcome.CREATED, attempts=1)

    async with anyio.create_task_group() as group:

        async def free_the_first() -> None:
            await anyio.sleep(0.2)
            release.set()

        group.start_soon(free_the_first)
        with anyio.fail_after(10):
            report = await run_bulk(
                items_from(records()),
                handle,
                resource="r",
                scope="s",
                to_json=identity,
                concurrency=4,
                max_pending=16,
            )
    assert report.counts[BulkOutcome.CREATED] == 200
    assert read_ahead <= 16 + 1


async def test_max_pending_below_concurrency_is_refused() -> None:
    async def handle(record: Any) -> Settled:
        return Settled(outcome=BulkOutcome.CREATED)

    with pytest.raises(ConfigurationError, match="max_pending"):
        await run_bulk(
            items_from([1]),
            handle,
            resource="r",
            scope="s",
            to_json=identity,
            concurrency=8,
            max_pending=4,
        )
