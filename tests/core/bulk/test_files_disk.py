"""The run's files are its own: locked against a second run, replaced through unique temporary
files, and a dead-letter row is whole or absent, whatever the disk does."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import pytest

from shopbridge.core._errors import CheckpointError, UnwritableFileError
from shopbridge.core.bulk._files import CheckpointState
from shopbridge.core.bulk._push import run_bulk
from shopbridge.core.bulk._report import BulkOutcome, Settled
from shopbridge.core.bulk._sources import items_from
from tests._sandbox.processes import first_line

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.anyio

HOLDER = """
import asyncio, sys
from shopbridge.core.bulk._push import run_bulk
from shopbridge.core.bulk._report import BulkOutcome, Settled
from shopbridge.core.bulk._sources import items_from

async def handle(record):
    if record == 0:
        return Settled(outcome=BulkOutcome.REJECTED, attempts=1)
    print("holding", flush=True)
    await asyncio.Event().wait()  # until killed

asyncio.run(run_bulk(items_from(range(10)), handle, resource="r", scope="s",
                     to_json=lambda r: r, dead_letter=sys.argv[1], checkpoint=sys.argv[2]))
"""


def identity(record: Any) -> Any:
    return record


async def rejected(record: Any) -> Settled:
    return Settled(outcome=BulkOutcome.REJECTED, attempts=1, message=f"no {record}")


async def test_a_second_run_on_files_in_use_is_refused_at_once_and_the_lock_dies_with_its_process(
    tmp_path: Path,
) -> None:
    dead_letter, checkpoint = tmp_path / "dead.jsonl", tmp_path / "cp.json"
    # A process of its own, started and killed from the test's thread: it only waits.
    holder = subprocess.Popen(  # noqa: S603, ASYNC220 - this Python, a fixed script
        [sys.executable, "-c", HOLDER, str(dead_letter), str(checkpoint)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first_line(holder).strip() == "holding"
        for given in ({"dead_letter": dead_letter}, {"checkpoint": checkpoint}):
            with anyio.fail_after(10), pytest.raises(CheckpointError, match="in use"):
                await run_bulk(
                    items_from(range(10)), rejected, resource="r", scope="s", to_json=identity,
                    **given,  # type: ignore[arg-type]
                )  # fmt: skip
    finally:
        holder.kill()
        holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
    # SIGKILL released the lock: the same files are usable again, resumed from the checkpoint.
    report = await run_bulk(
        items_from(range(10)),
        rejected,
        resource="r",
        scope="s",
        to_json=identity,
        dead_letter=dead_letter,
        checkpoint=checkpoint,
    )
    assert report.counts[BulkOutcome.REJECTED] == 10
    rows = dead_letter.read_bytes().splitlines()
    assert len(rows) == 10
    assert not [path for path in tmp_path.iterdir() if path.suffix == ".tmp"]  # noqa: ASYNC240


def test_checkpoint_saves_use_unique_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    fixed = tmp_path / "cp.json.tmp"
    fixed.write_text("another run's temporary file")
    state = CheckpointState(
        resource="r", scope="s", position=3, digest="d", counts={}, dead_letter=None,
        dead_letter_offset=0,
    )  # fmt: skip
    state.save(path)
    assert CheckpointState.load(path) == state
    assert fixed.read_text() == "another run's temporary file"  # never written over
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cp.json", "cp.json.tmp"]


# A full disk, and a missing directory


LONG = "x" * 100
"""A rejection message that makes each dead-letter row about 300 bytes: 120 of them fit the
disk, not once the filler takes most of it."""
RECORDS = 120


async def rejected_long(record: Any) -> Settled:
    await anyio.lowlevel.checkpoint()
    return Settled(outcome=BulkOutcome.REJECTED, attempts=1, message=f"{record}: {LONG}")


async def test_a_full_disk_stops_the_run_cleanly_with_whole_rows_and_loses_no_record(
    small_disk: Path,
) -> None:
    dead_letter, checkpoint = small_disk / "dead.jsonl", small_disk / "cp.json"
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * 48 * 1024)  # leaves room for some rows, not all
    options: dict[str, Any] = {
        "resource": "r", "scope": "s", "to_json": identity, "dead_letter": dead_letter,
        "checkpoint": checkpoint, "checkpoint_interval": 0.0,
    }  # fmt: skip
    with anyio.fail_after(30):
        report = await run_bulk(items_from(range(RECORDS)), rejected_long, **options)
    assert report.file_error is not None
    assert "No space left on device" in report.file_error
    assert report.stopped is not None
    assert sum(report.counts.values()) == RECORDS
    rows = dead_letter.read_bytes().splitlines(keepends=True)
    assert all(row.endswith(b"\n") for row in rows)  # no torn row
    assert [json.loads(row)["_dead_letter"]["position"] for row in rows] == list(range(len(rows)))
    assert report.dead_lettered == len(rows)
    assert not [path for path in small_disk.iterdir() if path.suffix == ".tmp"]  # noqa: ASYNC240
    state = CheckpointState.load(checkpoint)  # none yet, if the disk filled before a save
    if state is not None:
        assert state.position <= len(rows)
        assert state.dead_letter_offset <= dead_letter.stat().st_size
    # Space freed: the same run resumes, and every record has its row, once, in order.
    filler.unlink()
    with anyio.fail_after(30):
        resumed = await run_bulk(items_from(range(RECORDS)), rejected_long, **options)
    assert resumed.file_error is None
    assert resumed.counts[BulkOutcome.REJECTED] == RECORDS
    rows = dead_letter.read_bytes().splitlines()
    positions = [json.loads(row)["_dead_letter"]["position"] for row in rows]
    assert positions == list(range(RECORDS))


async def test_a_dead_letter_or_checkpoint_in_a_missing_directory_is_refused_before_sending(
    tmp_path: Path,
) -> None:
    sent: list[Any] = []

    async def handle(record: Any) -> Settled:
        sent.append(record)
        return Settled(outcome=BulkOutcome.CREATED, attempts=1)

    missing = tmp_path / "no-such-dir"
    for given in ({"dead_letter": missing / "dead.jsonl"}, {"checkpoint": missing / "cp.json"}):
        with pytest.raises(UnwritableFileError, match="no-such-dir") as caught:
            await run_bulk(
                items_from(range(5)), handle, resource="r", scope="s", to_json=identity,
                **given,  # type: ignore[arg-type]
            )  # fmt: skip
        assert "No such file or directory" in str(caught.value)
    assert sent == []
