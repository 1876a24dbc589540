"""The run's files are its own: locked against a second run, replaced through unique temporary
files, and a dead-letter row is whole or absent, whatever the disk does."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from shopbridge.core.bulk._files import CheckpointError, CheckpointState
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
