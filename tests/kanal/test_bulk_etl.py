"""The bulk runner in an ETL job: concurrent runs, failing sources and callbacks, results."""

from __future__ import annotations

import asyncio
import json
import pickle
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge import RecordResult, SourceFailedError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from tests.kanal.bulk_data import PATIENT, invalid_order, order

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.anyio


def client(sandbox: KanalSandbox, **options: Any) -> AsyncKanal:
    options.setdefault("retry", PATIENT)
    return AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, **options)


def customer(number: int) -> dict[str, Any]:
    return {"external_id": f"CUST-{number}", "phone": f"+336{number:08d}"}


@pytest.mark.timeout(60)
async def test_two_runs_at_once_on_one_client_each_count_their_own_requests() -> None:
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        orders, customers = await asyncio.gather(
            kanal.orders.push_many([order(n) for n in range(300)]),
            kanal.customers.push_many([customer(n) for n in range(100)]),
        )
    assert orders.counts[BulkOutcome.CREATED] == 300
    assert customers.counts[BulkOutcome.CREATED] == 100
    assert orders.rules["kanal-201"] == 300
    assert customers.rules["kanal-201"] == 100
    assert (orders.retries, customers.retries) == (0, 0)


async def test_a_raising_progress_callback_is_logged_once_and_the_run_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    def broken(_: object) -> None:
        nonlocal calls
        calls += 1
        raise ZeroDivisionError("the dashboard is down")

    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many([order(n) for n in range(50)], on_progress=broken)
        held = len(sandbox.records(DEFAULT_STORE_ID, "orders"))
    assert report.counts[BulkOutcome.CREATED] == held == 50
    assert calls == 1
    warnings = [r for r in caplog.records if "on_progress callback raised" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelname == "WARNING"
    assert warnings[0].exc_info is not None
    assert warnings[0].exc_info[0] is ZeroDivisionError


class ConnectionLostError(Exception):
    """What a database driver raises when its connection drops mid-cursor."""


def rows_then_lost(count: int) -> Iterator[dict[str, Any]]:
    for number in range(count):
        yield order(number)
    raise ConnectionLostError("server closed the connection unexpectedly")


def assert_settled_and_saved(error: SourceFailedError, checkpoint: Path, count: int) -> None:
    assert isinstance(error.__cause__, ConnectionLostError)
    assert "ConnectionLostError: server closed the connection" in str(error)
    assert f"checkpoint saved at {count}" in str(error)
    assert error.report.counts[BulkOutcome.CREATED] == error.report.total == count
    assert json.loads(checkpoint.read_text())["position"] == count
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, just made
    assert (str(again), again.report) == (str(error), error.report)


async def test_a_source_raising_mid_run_settles_what_it_gave_and_saves_the_checkpoint(
    tmp_path: Path,
) -> None:
    checkpoint = tmp_path / "cp.json"
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        with pytest.raises(SourceFailedError) as raised:
            await kanal.orders.push_many(rows_then_lost(300), checkpoint=checkpoint)
        assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 300
    assert_settled_and_saved(raised.value, checkpoint, 300)


@pytest.mark.parametrize("through_portal", [False, True], ids=["in-thread", "portal"])
def test_a_blocking_run_whose_source_raises_settles_and_saves_like_the_async_one(
    kanal_sandbox: KanalSandbox, tmp_path: Path, through_portal: bool
) -> None:
    checkpoint = tmp_path / "cp.json"
    kanal_sandbox.set_rate_limit(None)
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        if through_portal:  # as when another thread uses the client, or in a notebook
            kanal._portal(kanal._running_now())
        with pytest.raises(SourceFailedError) as raised:
            kanal.orders.push_many(rows_then_lost(300), checkpoint=checkpoint)
    assert len(kanal_sandbox.records(DEFAULT_STORE_ID, "orders")) == 300
    assert_settled_and_saved(raised.value, checkpoint, 300)


async def test_each_record_gets_its_result_in_input_order_and_the_rejected_reach_a_list() -> None:
    records = [order(n) for n in range(40)]
    records[7] = invalid_order(7)
    results: list[RecordResult] = []
    rows: list[dict[str, Any]] = []
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many(
            records, on_result=results.append, dead_letter=rows, concurrency=8
        )
    assert [result.position for result in results] == list(range(40))
    assert [result.key for result in results] == [f"ORDER-{n}" for n in range(40)]
    assert [result.done for result in results] == [n != 7 for n in range(40)]
    created = results[0]
    assert (created.outcome, created.rule, created.status, created.attempts) == (
        BulkOutcome.CREATED,
        "kanal-201",
        201,
        1,
    )
    rejected = results[7]
    assert (rejected.outcome, rejected.attempts) == (BulkOutcome.REJECTED, 0)
    assert rejected.field_errors["customer.phone"] == ("The customer.phone field is required.",)
    assert pickle.loads(pickle.dumps(rejected)) == rejected  # noqa: S301 - our own bytes
    assert [row["external_id"] for row in rows] == ["ORDER-7"]
    assert rows[0]["_dead_letter"]["outcome"] == "rejected"
    assert report.dead_lettered == 1
