"""`stream_many`: each record's `RecordResult` as an iterator while the push runs."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge import InputError, RecordResult
from shopbridge.core.bulk._stream import DEFAULT_BUFFER
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from tests.kanal.bulk_data import PATIENT, invalid_order, order

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


def client(sandbox: KanalSandbox) -> AsyncKanal:
    return AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, retry=PATIENT)


async def test_stream_many_yields_each_result_in_input_order_then_keeps_the_report() -> None:
    records: list[Any] = [order(n) for n in range(30)]
    records[4] = invalid_order(4)
    seen: list[RecordResult] = []
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        results = kanal.orders.stream_many(records, concurrency=4, on_result=seen.append)
        before = results.report
        streamed = [result async for result in results]
    assert [result.position for result in streamed] == list(range(30))
    assert [result.done for result in streamed] == [n != 4 for n in range(30)]
    assert seen == streamed  # the caller's own on_result is called too
    assert before is None  # no report before the run ended
    assert results.report is not None
    assert results.report.total == 30
    assert sum(results.report.counts.values()) == 30


async def test_a_slow_reader_holds_the_run_back_and_loses_nothing() -> None:
    concurrency = 4
    customers = [{"external_id": f"C-{n}", "phone": f"+336{n:08d}"} for n in range(200)]
    async with (
        KanalSandbox(rate_limit=None) as sandbox,
        client(sandbox) as kanal,
        kanal.customers.stream_many(customers, concurrency=concurrency) as results,
    ):
        first = await anext(results)
        await asyncio.sleep(0.3)  # room for the run to go on, if it were not held back
        sent = len(sandbox.records(DEFAULT_STORE_ID, "customers"))
        assert sent <= 1 + DEFAULT_BUFFER + concurrency
        rest = [result async for result in results]
    assert [first.position, *(result.position for result in rest)] == list(range(200))
    assert len(sandbox.records(DEFAULT_STORE_ID, "customers")) == 200


async def test_leaving_a_stream_early_cancels_its_run() -> None:
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        async with kanal.orders.stream_many([order(n) for n in range(300)]) as results:
            async for result in results:
                if result.position == 2:
                    break
        held = len(sandbox.records(DEFAULT_STORE_ID, "orders"))
        assert held < 300
        assert (await kanal.orders.upsert(order(1000))).created  # the client goes on
    assert results.report is None


async def test_an_error_of_the_run_is_raised_by_the_stream(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        with pytest.raises(InputError):
            [result async for result in kanal.shipments.stream_many(missing)]


def test_the_blocking_stream_is_a_plain_iterator_from_a_path(
    kanal_sandbox: KanalSandbox, tmp_path: Path
) -> None:
    source = tmp_path / "checkouts.jsonl"
    source.write_text(
        "".join(
            json.dumps({"external_id": f"CHK-{n}", "customer": {"phone": f"+336{n:08d}"}}) + "\n"
            for n in range(12)
        )
    )
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        with kanal.checkouts.stream_many(source) as results:
            positions = [result.position for result in results]
        assert results.report is not None
        assert positions == list(range(12))
        with kanal.orders.stream_many([order(n) for n in range(100)]) as early:
            assert next(early).position == 0
        assert early.report is None  # left early: the run was cancelled
        assert kanal.orders.upsert(order(500)).created
