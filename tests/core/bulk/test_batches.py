"""Batches in the bulk runner (`bulk/_batches.py`): many records a request, one outcome each.

The batches go to a plain async function standing for a bulk endpoint: it refuses a batch that
holds a bad record, naming it by index or not at all, as a server would.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shopbridge.core.bulk._batches import (
    BatchingHandle,
    batch_options,
    records_named,
    settle_batch,
)
from shopbridge.core.bulk._push import run_bulk
from shopbridge.core.bulk._report import BulkOutcome, Settled
from shopbridge.core.bulk._sources import items_from
from shopbridge.core.sansio._verdict import Action, Verdict

pytestmark = pytest.mark.anyio

DONE = Verdict(action=Action.DONE, reason="Success.", rule="toy-2xx", status=200)
REFUSED = Verdict(action=Action.FIX_PAYLOAD, reason="Invalid.", rule="toy-422", status=422)
GONE = Verdict(action=Action.FIX_CREDENTIALS, reason="Key refused.", rule="toy-401", status=401)


class Endpoint:
    """Accepts a batch unless it holds a record named ``"bad"``; remembers every batch."""

    def __init__(self, *, names_records: bool = True) -> None:
        self.batches: list[list[str]] = []
        self.names_records = names_records

    async def send(self, batch: list[Any]) -> Settled:
        self.batches.append(list(batch))
        await asyncio.sleep(0)
        bad = [index for index, record in enumerate(batch) if record.startswith("bad")]
        if not bad:
            return Settled(outcome=BulkOutcome.UPSERTED, verdict=DONE, attempts=1)
        errors = {f"{index}.name": ["Bad name"] for index in bad} if self.names_records else {}
        return Settled(
            outcome=BulkOutcome.REJECTED, verdict=REFUSED, attempts=1, field_errors=errors
        )


def test_field_errors_are_told_apart_by_the_record_they_name() -> None:
    assert records_named({"3.price": ("x",), "0": ("y",), "3.sku": ("z",)}, 4) == {
        3: {"price": ["x"], "sku": ["z"]},
        0: {"": ["y"]},
    }
    assert records_named({"price": ("x",)}, 4) is None
    assert records_named({"4.price": ("x",)}, 4) is None
    assert records_named({"": ("not a list",)}, 4) is None
    assert records_named({}, 4) is None


async def test_the_records_a_refusal_names_are_rejected_and_the_rest_sent_again() -> None:
    endpoint = Endpoint()
    records = ["a", "bad-1", "b", "c", "bad-2"]

    outcomes = await settle_batch(records, endpoint.send)

    assert [outcome.outcome for outcome in outcomes] == [
        BulkOutcome.UPSERTED,
        BulkOutcome.REJECTED,
        BulkOutcome.UPSERTED,
        BulkOutcome.UPSERTED,
        BulkOutcome.REJECTED,
    ]
    assert outcomes[1].field_errors == {"name": ("Bad name",)}
    assert endpoint.batches == [records, ["a", "b", "c"]]


async def test_a_refusal_that_names_nobody_is_bisected_down_to_the_bad_record() -> None:
    endpoint = Endpoint(names_records=False)
    records = ["a", "b", "c", "bad", "d"]

    outcomes = await settle_batch(records, endpoint.send)

    assert [outcome.outcome for outcome in outcomes].count(BulkOutcome.REJECTED) == 1
    assert outcomes[3].outcome is BulkOutcome.REJECTED
    halves = [["a", "b"], ["c", "bad", "d"], ["c"], ["bad", "d"], ["bad"], ["d"]]
    assert endpoint.batches == [records, *halves]


async def test_any_other_outcome_is_every_records_of_the_batch() -> None:
    async def refused(batch: list[Any]) -> Settled:
        return Settled(outcome=BulkOutcome.CREDENTIALS_REJECTED, verdict=GONE, stops_run=True)

    outcomes = await settle_batch(["a", "bad", "c"], refused)

    assert [outcome.outcome for outcome in outcomes] == [BulkOutcome.CREDENTIALS_REJECTED] * 3


async def test_the_runner_settles_every_record_of_batched_requests_on_its_own() -> None:
    endpoint = Endpoint()
    records = [f"bad-{n}" if n % 30 == 7 else f"r-{n}" for n in range(95)]
    options = batch_options({"concurrency": 2}, 20)
    handle = BatchingHandle(endpoint.send, size=20, linger=0.01)

    report = await run_bulk(
        items_from(records),
        handle,
        resource="items",
        scope="toy",
        to_json=str,
        concurrency=options["concurrency"],
        max_pending=options["max_pending"],
    )

    assert report.total == 95
    assert report.counts[BulkOutcome.REJECTED] == 3
    assert report.counts[BulkOutcome.UPSERTED] == 92
    sent = [record for batch in endpoint.batches for record in batch]
    assert all(len(batch) <= 20 for batch in endpoint.batches)
    assert sorted(set(sent)) == sorted(records)


async def test_a_partial_batch_is_sent_when_no_more_records_come() -> None:
    endpoint = Endpoint()
    handle = BatchingHandle(endpoint.send, size=100, linger=0.01)

    outcomes = await asyncio.gather(handle("a"), handle("b"))

    assert [outcome.outcome for outcome in outcomes] == [BulkOutcome.UPSERTED] * 2
    assert endpoint.batches == [["a", "b"]]


async def test_a_record_cancelled_before_its_batch_leaves_is_not_sent() -> None:
    endpoint = Endpoint()
    handle = BatchingHandle(endpoint.send, size=100, linger=0.01)
    cancelled = asyncio.ensure_future(handle("gone"))
    await asyncio.sleep(0)
    cancelled.cancel()

    kept = await handle("kept")

    assert kept.outcome is BulkOutcome.UPSERTED
    assert endpoint.batches == [["kept"]]


def test_concurrency_counts_requests_and_the_runner_gets_records() -> None:
    assert batch_options({}, 100) == {"concurrency": 800, "max_pending": 4096}
    assert batch_options({"concurrency": 64}, 100) == {"concurrency": 6400, "max_pending": 6400}
    assert batch_options({"max_pending": 900}, 100)["max_pending"] == 900
