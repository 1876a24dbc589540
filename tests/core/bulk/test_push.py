"""Bulk pushes through the toy client into the toy server, with seeded faults (`bulk/_push.py`).

However the faults fall, every record ends in exactly one outcome, the counts add up to the
records read, and every record that did not reach done is in the dead letter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shopbridge.core.bulk._files import CheckpointState
from shopbridge.core.bulk._push import run_bulk
from shopbridge.core.bulk._report import BulkOutcome, Settled, settle
from shopbridge.core.bulk._sources import items_from
from tests.core.bulk.items import PATIENT, item, read_jsonl, write_jsonl
from tests.core.toy import API_KEY, AsyncToy

if TYPE_CHECKING:
    from pathlib import Path

    from shopbridge.core._requests import Reply
    from tests.core.toy_sandbox import ToySandbox

pytestmark = pytest.mark.anyio


async def test_a_faulty_toy_run_ends_every_record_in_one_outcome_and_the_counts_add_up(
    toy_sandbox: ToySandbox, tmp_path: Path
) -> None:
    invalid = {n for n in range(300) if n % 50 == 7}
    records = [item(n, name=7 if n in invalid else "lamp") for n in range(300)]
    source = write_jsonl(tmp_path / "items.jsonl", records)
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    toy_sandbox.set_faults("503=0.1,500=0.03,drop_before=0.03,drop_after=0.03", seed=5)
    async with AsyncToy(API_KEY, "north", base_url=toy_sandbox.base_url, retry=PATIENT) as toy:
        report = await toy.items.push_many(
            source, checkpoint=checkpoint, dead_letter=dead_letter, concurrency=16
        )
    assert sum(report.counts.values()) == report.total == 300
    assert (report.done, report.not_done) == (300 - len(invalid), len(invalid))
    held = toy_sandbox.records("north", "items")
    valid = {f"item-{n}" for n in range(300) if n not in invalid}
    assert set(held) == valid
    rewritten = {key for key in valid if toy_sandbox.writes("north", "items", key) > 1}
    assert rewritten  # some answers were lost after their write
    assert report.counts[BulkOutcome.UPSERTED] == len(rewritten)  # created or not: unknowable
    assert report.counts[BulkOutcome.CREATED] == len(valid) - len(rewritten)
    assert report.counts[BulkOutcome.REJECTED] == len(invalid)
    faults = toy_sandbox.stats.faults
    assert report.retries == sum(faults.values()) > 0  # each fault cost exactly one retry
    rows = read_jsonl(dead_letter)
    assert [row["id"] for row in rows] == [f"item-{n}" for n in sorted(invalid)]
    assert {(row["_dead_letter"]["rule"], row["_dead_letter"]["status"]) for row in rows} == {
        ("toy-422", 422)
    }
    state = CheckpointState.load(checkpoint)
    assert state is not None
    assert (state.position, state.complete) == (300, True)


async def test_a_refused_key_stops_a_toy_run_at_its_first_answer_and_the_rest_resumes(
    toy_sandbox: ToySandbox, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "items.jsonl", [item(n) for n in range(50)])
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    base_url = toy_sandbox.base_url
    async with AsyncToy("wrong-key", "north", base_url=base_url, retry=PATIENT) as wrong:
        stopped = await wrong.items.push_many(
            source, checkpoint=checkpoint, dead_letter=dead_letter, concurrency=16
        )
    assert stopped.stopped is not None
    assert (
        stopped.counts[BulkOutcome.CREDENTIALS_REJECTED],
        stopped.counts[BulkOutcome.SKIPPED],
    ) == (
        1,
        49,
    )
    assert toy_sandbox.stats.requests == 1  # the first answer stopped every other request
    assert len(read_jsonl(dead_letter)) == 50  # not sent, not lost
    state = CheckpointState.load(checkpoint)
    assert state is not None
    assert (state.position, state.complete) == (0, False)
    async with AsyncToy(API_KEY, "north", base_url=base_url, retry=PATIENT) as toy:
        resumed = await toy.items.push_many(source, checkpoint=checkpoint, dead_letter=dead_letter)
    assert (resumed.resumed_from, resumed.counts[BulkOutcome.CREATED], resumed.ok) == (0, 50, True)
    assert len(toy_sandbox.records("north", "items")) == 50


async def test_creates_in_bulk_are_never_resent_after_a_lost_answer_and_never_lost(
    toy_sandbox: ToySandbox, tmp_path: Path
) -> None:
    def created(reply: Reply) -> Settled:
        return Settled(outcome=BulkOutcome.CREATED, verdict=reply.verdict, attempts=reply.attempts)

    dead_letter = tmp_path / "dead.jsonl"
    toy_sandbox.set_faults("503=0.1,drop_before=0.05,drop_after=0.05", seed=3)
    async with AsyncToy(API_KEY, "north", base_url=toy_sandbox.base_url, retry=PATIENT) as toy:
        report = await run_bulk(
            items_from([{"name": f"lamp {n}"} for n in range(200)]),
            lambda record: settle(toy.items.create(record), created),
            resource="new items",
            scope="toy shop north",
            to_json=dict,
            concurrency=16,
            dead_letter=dead_letter,
        )
    faults = toy_sandbox.stats.faults
    dropped = faults["drop_before"] + faults["drop_after"]
    assert dropped > 0
    assert sum(report.counts.values()) == report.total == 200
    assert (report.counts[BulkOutcome.CREATED], report.counts[BulkOutcome.FAILED]) == (
        200 - dropped,
        dropped,
    )
    assert report.retries == faults["503"]  # only the 503s, which applied nothing, were resent
    # Dropped after the write: held once, and still dead-lettered, since nobody can know.
    assert len(toy_sandbox.records("north", "items")) == 200 - dropped + faults["drop_after"]
    rows = read_jsonl(dead_letter)
    assert len(rows) == dropped
    assert {row["_dead_letter"]["rule"] for row in rows} == {"net-disconnected"}
    assert {row["_dead_letter"]["outcome"] for row in rows} == {"failed"}
