"""The checkpoint and the dead letter of a bulk run (`core/bulk/_files.py`).

The files are driven directly, and through `run_bulk` with handlers that settle records at once
(no HTTP: the orders of events are the runner's, not a server's). Toy runs against the toy
server with faults are in test_push.py.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import anyio.lowlevel
import pytest
from attrs import evolve

from shopbridge.core.bulk._files import (
    CheckpointError,
    CheckpointState,
    DeadLetterFile,
    dead_letter_row,
)
from shopbridge.core.bulk._push import run_bulk
from shopbridge.core.bulk._report import BulkOutcome, Settled
from shopbridge.core.bulk._sources import InputItem, items_from
from shopbridge.core.sansio._verdict import Action, Verdict
from tests.core.bulk.items import item, read_jsonl, write_jsonl

pytestmark = pytest.mark.anyio

REJECTED = Verdict(action=Action.FIX_PAYLOAD, reason="Fix it.", rule="test-422", status=422)
STATE = CheckpointState(
    resource="items",
    scope="toy shop north",
    position=3,
    digest="d" * 32,
    counts={"created": 2, "rejected": 1},
    dead_letter="dead.jsonl",
    dead_letter_offset=120,
)


async def settle_now(record: Any) -> Settled:
    """Reject an item without a string name, stop the run at a "refused" one, create the rest."""
    await anyio.lowlevel.checkpoint()
    if not isinstance(record.get("name"), str):
        return Settled(
            outcome=BulkOutcome.REJECTED,
            verdict=REJECTED,
            attempts=1,
            field_errors={"name": ["name is required"]},
        )
    if record.get("name") == "refused":
        return Settled(outcome=BulkOutcome.CREDENTIALS_REJECTED, attempts=1, stops_run=True)
    return Settled(outcome=BulkOutcome.CREATED, attempts=1)


async def push(source: Path, tmp_path: Path, *, resource: str = "items", **options: Any) -> Any:
    return await run_bulk(
        items_from(source),
        settle_now,
        resource=resource,
        scope="toy shop north",
        to_json=dict,
        checkpoint=options.pop("checkpoint", tmp_path / "cp.json"),
        dead_letter=options.pop("dead_letter", tmp_path / "dead.jsonl"),
        **options,
    )


# -- the checkpoint file --------------------------------------------------------------------------


def test_a_checkpoint_saved_is_loaded_back_equal_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    STATE.save(path)
    assert CheckpointState.load(path) == STATE
    assert sorted(file.name for file in tmp_path.iterdir()) == ["cp.json"]


def test_a_save_killed_before_its_rename_leaves_the_previous_checkpoint_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cp.json"
    STATE.save(path)
    before = path.read_bytes()
    torn = tmp_path / "cp.json.k9x2ab.tmp"  # a save's unique temporary file, cut by kill -9
    torn.write_bytes(b'{"shopbridge_checkpoint": 1, "posi')
    assert CheckpointState.load(path) == STATE  # never read: only the rename publishes a save
    torn.unlink()
    # A checkpoint whose save cannot even create its temporary file (the name it would take is
    # over the file system's limit): the failed save leaves the previous checkpoint whole.
    long = tmp_path / ("c" * 240 + ".json")
    long.write_bytes(before)
    with pytest.raises(OSError, match="c" * 40):
        STATE.save(long)
    assert long.read_bytes() == before
    assert sorted(file.name for file in tmp_path.iterdir()) == ["c" * 240 + ".json", "cp.json"]
    later = evolve(STATE, position=4)
    later.save(path)
    assert CheckpointState.load(path) == later


def test_a_missing_checkpoint_is_none() -> None:
    assert CheckpointState.load(Path("/nonexistent/cp.json")) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"not json", "is not a readable shopbridge checkpoint", id="not-json"),
        pytest.param(b"{}", "is not a shopbridge checkpoint", id="another-file"),
        pytest.param(b'{"shopbridge_checkpoint": 2}', "or one of another version", id="version"),
        pytest.param(b'{"shopbridge_checkpoint": 1}', "is a damaged shopbridge", id="damaged"),
    ],
)
def test_a_checkpoint_that_is_not_one_is_refused_saying_why(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "cp.json"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        CheckpointState.load(path)


def test_a_checkpoint_error_pickles() -> None:
    error = CheckpointError("the input differs")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own error, just pickled
    assert (type(copy), str(copy)) == (CheckpointError, "the input differs")


async def test_every_save_syncs_the_dead_letter_then_the_checkpoint_then_renames_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed at any instant leaves a checkpoint that describes rows that are on disk."""
    dead_letter = tmp_path / "dead.jsonl"
    events: list[tuple[str, int]] = []
    on_disk_at_rename: list[bool] = []
    real_fsync, real_replace = os.fsync, Path.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.fstat(fd).st_ino))
        real_fsync(fd)

    def replace(self: Path, target: Any) -> Path:
        saved = json.loads(self.read_bytes())
        on_disk_at_rename.append(saved["dead_letter_offset"] <= dead_letter.stat().st_size)
        events.append(("replace", self.stat().st_ino))
        return real_replace(self, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Path, "replace", replace)
    records = [item(n, name=None if n % 7 == 3 else "lamp") for n in range(60)]
    source = write_jsonl(tmp_path / "items.jsonl", records)
    report = await push(source, tmp_path, checkpoint_interval=0.0)
    monkeypatch.undo()
    dead = dead_letter.stat().st_ino
    saves = [events[index : index + 3] for index in range(0, len(events), 3)]
    assert len(saves) >= 2  # one while running (on a worker thread), one at the end
    for save in saves:
        (sync_rows, rows), (sync_checkpoint, temporary), (rename, renamed) = save
        assert (sync_rows, rows, sync_checkpoint, rename) == ("fsync", dead, "fsync", "replace")
        assert temporary == renamed != dead  # the temporary file, synced, then renamed
    assert on_disk_at_rename == [True] * len(saves)
    assert report.counts[BulkOutcome.REJECTED] == len(read_jsonl(dead_letter)) == 9


# -- the dead-letter file -------------------------------------------------------------------------


def test_a_dead_letter_shorter_than_the_checkpoint_counts_on_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dead.jsonl"
    path.write_bytes(b'{"id": "a"}\n')
    with pytest.raises(CheckpointError, match="holds 12 bytes but the checkpoint counts on 40"):
        DeadLetterFile(path, keep=40)


def test_a_dead_letter_resumed_keeps_its_counted_rows_and_cuts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "dead.jsonl"
    path.write_bytes(b'{"id": "counted"}\n{"id": "after the checkpoint"}\n')
    resumed = DeadLetterFile(path, keep=len(b'{"id": "counted"}\n'))
    resumed.write({"id": "resent"})
    resumed.close()
    assert read_jsonl(path) == [{"id": "counted"}, {"id": "resent"}]


def test_a_dead_letter_left_empty_is_removed_unless_an_earlier_run_kept_rows(
    tmp_path: Path,
) -> None:
    fresh = DeadLetterFile(tmp_path / "fresh.jsonl", keep=None)
    fresh.close()
    fresh.close()  # idempotent
    assert not fresh.kept
    (tmp_path / "kept.jsonl").write_bytes(b'{"id": "a"}\n')
    resumed = DeadLetterFile(tmp_path / "kept.jsonl", keep=12)
    resumed.close()
    assert resumed.kept


def test_a_dead_letter_row_is_the_record_with_its_account_beside_it() -> None:
    settled = Settled(
        outcome=BulkOutcome.REJECTED,
        verdict=REJECTED,
        attempts=1,
        field_errors={"name": ["name is required"]},
        message="the item is invalid",
    )
    row = dead_letter_row(InputItem(position=4, line=5), settled, {"id": "x", "name": 7})
    account = row.pop("_dead_letter")
    assert row == {"id": "x", "name": 7}
    assert account == {
        "position": 4,
        "line": 5,
        "outcome": "rejected",
        "action": "fix_payload",
        "rule": "test-422",
        "reason": "Fix it.",
        "status": 422,
        "field_errors": {"name": ["name is required"]},
        "attempts": 1,
        "message": "the item is invalid",
        "gave_up": None,
        "request_id": None,
    }
    skipped = Settled(outcome=BulkOutcome.SKIPPED)
    not_an_object = dead_letter_row(InputItem(position=0), skipped, "item-9")
    assert not_an_object["_dead_letter"]["record"] == "item-9"  # kept as given


async def test_dead_letter_rows_are_valid_input_again(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text(
        json.dumps(item(1)) + "\n" + json.dumps(item(2, name=7)) + "\n{broken\n",
        encoding="utf-8",
    )
    first = await push(source, tmp_path, checkpoint=None)
    assert (first.counts[BulkOutcome.CREATED], first.counts[BulkOutcome.REJECTED]) == (1, 2)
    dead_letter = tmp_path / "dead.jsonl"
    again = [entry async for entry in items_from(dead_letter)]
    assert [entry.record for entry in again] == [item(2, name=7), None]  # as they were given
    assert again[1].problem is not None
    assert "line 3 is not valid JSON" in again[1].problem  # the kept line, read again
    rows = read_jsonl(dead_letter)
    rows[0]["name"] = "fixed"  # fixed in place, its account left in: ignored
    rows[1]["_dead_letter"]["raw"] = json.dumps(item(3))
    write_jsonl(dead_letter, rows)
    fixed = [entry.record async for entry in items_from(dead_letter)]
    assert fixed == [item(2, name="fixed"), item(3)]


# -- resuming: the fingerprint --------------------------------------------------------------------


async def test_a_resume_refuses_another_input_and_never_overwrites_the_checkpoint(
    tmp_path: Path,
) -> None:
    records = [item(n, name="refused" if n == 5 else None if n == 2 else "lamp") for n in range(10)]
    source = write_jsonl(tmp_path / "items.jsonl", records)
    stopped = await push(source, tmp_path)
    assert stopped.stopped is not None
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    saved = checkpoint.read_bytes()
    state = CheckpointState.load(checkpoint)
    assert state is not None
    assert (state.position, state.complete) == (5, False)  # resumable from the refused record
    counted = dead_letter.read_bytes()[: state.dead_letter_offset]

    changed = write_jsonl(tmp_path / "changed.jsonl", [item(0, name="other"), *records[1:]])
    shorter = write_jsonl(tmp_path / "shorter.jsonl", records[:3])
    with pytest.raises(CheckpointError, match="the input differs"):
        await push(changed, tmp_path)
    with pytest.raises(CheckpointError, match="the input has 3 records"):
        await push(shorter, tmp_path)
    with pytest.raises(CheckpointError, match="is of a push of items to toy shop north, not of"):
        await push(source, tmp_path, resource="orders")
    with pytest.raises(CheckpointError, match="was written with the dead-letter file"):
        await push(source, tmp_path, dead_letter=tmp_path / "other.jsonl")
    assert checkpoint.read_bytes() == saved
    assert dead_letter.read_bytes()[: state.dead_letter_offset] == counted

    records[5] = item(5)  # the key is fixed: the same input from the checkpoint's position on
    resumed = await push(write_jsonl(source, records), tmp_path)
    assert (resumed.resumed_from, resumed.stopped, resumed.total) == (5, None, 10)
    assert resumed.counts[BulkOutcome.CREATED] == 9
    assert resumed.counts[BulkOutcome.REJECTED] == 1
    assert [row["id"] for row in read_jsonl(dead_letter)] == ["item-2"]


async def test_a_refused_resume_leaves_the_dead_letter_as_it_was(tmp_path: Path) -> None:
    records = [item(n, name="refused" if n == 5 else "lamp") for n in range(10)]
    source = write_jsonl(tmp_path / "items.jsonl", records)
    await push(source, tmp_path)
    dead_letter = tmp_path / "dead.jsonl"
    before = dead_letter.read_bytes()
    assert [row["id"] for row in read_jsonl(dead_letter)] == [f"item-{n}" for n in range(5, 10)]
    changed = write_jsonl(tmp_path / "changed.jsonl", [item(0, name="other"), *records[1:]])
    with pytest.raises(CheckpointError, match="the input differs"):
        await push(changed, tmp_path)
    assert dead_letter.read_bytes() == before
