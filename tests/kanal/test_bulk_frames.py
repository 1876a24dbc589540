"""DataFrames and database rows as bulk input: read by their rows, with missing cells named."""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox

pytestmark = pytest.mark.anyio

COLUMNS: dict[str, list[Any]] = {
    "external_id": ["ORDER-1", "ORDER-2", "ORDER-3"],
    "placed_at": ["2026-05-18T10:00:00Z"] * 3,
    "total_price": [10.5, 20.25, 30.0],
    "currency": ["EUR"] * 3,
    "customer.phone": ["+33612345678", None, "+33612345679"],
}


def client(sandbox: KanalSandbox) -> AsyncKanal:
    return AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url)


@pytest.mark.parametrize("make", [pd.DataFrame, pl.DataFrame], ids=["pandas", "polars"])
async def test_a_dataframe_is_pushed_by_its_rows_with_missing_cells_named(make: Any) -> None:
    rows: list[dict[str, Any]] = []
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many(make(COLUMNS), dead_letter=rows)
        held = sandbox.records(DEFAULT_STORE_ID, "orders")
    assert report.total == 3
    assert report.counts[BulkOutcome.CREATED] == 2
    assert held["ORDER-1"].data["customer"]["phone"] == "+33612345678"  # dotted: nested
    assert [row["external_id"] for row in rows] == ["ORDER-2"]
    account = rows[0]["_dead_letter"]
    kind = "NaN in the DataFrame" if make is pd.DataFrame else "None in the source"
    assert account["missing"] == [f"customer.phone is missing ({kind})"]
    assert f"customer.phone is missing ({kind})" in account["message"]


async def test_numpy_scalars_and_timestamps_reach_the_store_exactly() -> None:
    frame = pd.DataFrame(
        {
            "external_id": ["ORDER-9"],
            "placed_at": [pd.Timestamp("2026-05-18T10:00:00Z")],
            "total_price": [np.float64(12.5)],
            "currency": ["EUR"],
            "customer.phone": ["+33612345678"],
            "metadata.line_count": [np.int64(3)],
            "metadata.gift": [np.bool_(True)],
        }
    )
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many(frame)
        stored = sandbox.records(DEFAULT_STORE_ID, "orders")["ORDER-9"].data
    assert report.counts[BulkOutcome.CREATED] == 1, report
    assert stored["placed_at"].startswith("2026-05-18T10:00:00")
    assert stored["total_price"] in (12.5, "12.5", "12.50")
    assert stored["metadata"] == {"line_count": 3, "gift": True}


async def test_sqlite_rows_are_records() -> None:
    database = sqlite3.connect(":memory:")
    database.row_factory = sqlite3.Row
    database.execute("create table c (external_id text, phone text)")
    database.executemany("insert into c values (?, ?)", [("CUST-1", "+33612345678")])
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.customers.push_many(database.execute("select * from c").fetchall())
    database.close()
    assert report.counts[BulkOutcome.CREATED] == 1


@pytest.mark.parametrize("bad", [42, {"external_id": "ORDER-1"}, b"orders.jsonl"])
async def test_what_is_not_records_is_a_type_error_saying_what_to_pass(bad: Any) -> None:
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        with pytest.raises(TypeError, match="give push_many a JSONL or CSV path"):
            await kanal.orders.push_many(bad)
        assert sandbox.stats.requests == 0


def test_the_blocking_twin_reads_a_dataframe_by_its_rows(kanal_sandbox: KanalSandbox) -> None:
    kanal_sandbox.set_rate_limit(None)
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        report = kanal.orders.push_many(pl.DataFrame(COLUMNS))
        with pytest.raises(TypeError, match="give push_many"):
            kanal.orders.push_many(7)  # type: ignore[arg-type]
    assert (report.total, report.counts[BulkOutcome.CREATED]) == (3, 2)
