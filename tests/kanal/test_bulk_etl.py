"""The bulk runner in an ETL job: concurrent runs, failing sources and callbacks, results."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.kanal import AsyncKanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from tests.kanal.bulk_data import PATIENT, order

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
