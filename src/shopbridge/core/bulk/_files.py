"""The two files a bulk run keeps: the dead-letter file and the checkpoint.

**Dead letter** (JSONL). One row per record that did not reach done, in input order: the record
itself (so the file is valid input again) with its account under ``_dead_letter``::

    {"external_id": "ORDER-7", ..., "_dead_letter": {"position": 6, "line": 7,
     "outcome": "rejected", "action": "fix_payload", "rule": "client-validation",
     "reason": "...", "status": null, "field_errors": {"customer.phone": ["..."]},
     "attempts": 0, "message": null, "gave_up": null, "request_id": null}}

A line that could not be read keeps its text under ``_dead_letter.raw``.

**Checkpoint** (JSON, replaced atomically). Where the run can resume: every record before
``position`` has its final outcome counted in ``counts`` and, if not done, its row in the
dead-letter file before ``dead_letter_offset``. ``digest`` fingerprints those records, so that a
checkpoint is never applied to another input. Saving fsyncs the dead-letter file first, then
writes the checkpoint to a temporary file of its own (unique: `tempfile.mkstemp` beside it),
fsyncs it and renames it over the old one: a run killed at any instant (``kill -9`` included)
leaves a checkpoint that describes rows that are on disk.

**Locks.** A run holds an exclusive `fcntl.flock` on its dead-letter file and on a lock file
beside its checkpoint (``NAME.lock``, left in place: removing it would let two runs lock two
different files of the same name) for as long as it runs; a second run on either is refused at
once with `FilesInUseError`. The operating system releases the locks when the process ends,
however it ends (``kill -9`` included): a lock never outlives its run. On Windows, which has no
``flock``, files are not locked: do not start two runs on the same files there.

**Sent journal.** ``NAME.sent`` beside the checkpoint holds the position of each record sent,
written before its request: a resumed create that meets "already exists" after its first
run sent it is ``already_existed``, not a ``conflict`` (see `SentJournal`).

**Whole rows.** A dead-letter row is written with one unbuffered write of the whole line; when
the disk refuses part of it, the file is cut back to the last whole row and the error raised, so
the file never holds a torn row.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson
from attrs import asdict, frozen

from shopbridge.core._errors import CheckpointError, FilesInUseError, UnwritableFileError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.bulk._sources import DEAD_LETTER_KEY

if TYPE_CHECKING:
    from shopbridge.core.bulk._report import Settled
    from shopbridge.core.bulk._sources import InputItem

if sys.platform != "win32":  # Windows has no flock (see the module docstring)
    import fcntl

__all__ = [
    "CheckpointError",
    "CheckpointLock",
    "CheckpointState",
    "DeadLetterFile",
    "FilesInUseError",
    "SentJournal",
    "UnwritableFileError",
    "dead_letter_row",
]

_FORMAT = 1
_PRIVATE = 0o600
"""The mode of the files a run creates: the dead letter holds records, personal data included
(and a checkpoint's temporary file, from `tempfile.mkstemp`, is created so too)."""


def _lock(fd: int, path: Path, what: str) -> None:
    """Take the exclusive lock of `fd`, or refuse at once: never wait for another run."""
    if sys.platform == "win32":  # pragma: no cover - no flock there
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        msg = (
            f"the {what} {str(path)!r} is in use by another run: two runs on the same files "
            "would tear them. Wait for that run to end (or stop it), or give other files"
        )
        raise FilesInUseError(msg) from None


class CheckpointLock:
    """The lock of a checkpoint, held on ``NAME.lock`` beside it until `release`.

    Raises:
        FilesInUseError: another run holds it.
        OSError: the lock file cannot be created (a missing directory, a read-only one).
    """

    def __init__(self, checkpoint: Path) -> None:
        self.path = checkpoint.with_name(checkpoint.name + ".lock")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, _PRIVATE)
        _lock(fd, checkpoint, "checkpoint")
        self._fd: int | None = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value)) if value.is_finite() else str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def dump_json(value: object, *, sort_keys: bool = False) -> bytes:
    """JSON for the files of a run: exact decimals, and never a failure for an odd value."""
    option = orjson.OPT_SORT_KEYS if sort_keys else 0
    return orjson.dumps(value, default=_default, option=option | orjson.OPT_NON_STR_KEYS)


def dead_letter_row(item: InputItem, settled: Settled, record: Any) -> dict[str, Any]:
    """The dead-letter row of one record (`record` as JSON-ready data)."""
    verdict = settled.verdict
    account: dict[str, Any] = {
        "position": item.position,
        "line": item.line,
        "outcome": settled.outcome.value,
        "action": None if verdict is None else verdict.action.value,
        "rule": None if verdict is None else verdict.rule,
        "reason": None if verdict is None else verdict.reason,
        "status": None if verdict is None else verdict.status,
        "field_errors": {path: list(messages) for path, messages in settled.field_errors.items()},
        "attempts": settled.attempts,
        "message": settled.message,
        "gave_up": settled.gave_up,
        "request_id": settled.request_id,
    }
    if item.missing:
        account["missing"] = list(item.missing)
    if item.problem is not None and item.raw is not None:
        account["raw"] = item.raw.decode("utf-8", errors="replace")
    row: dict[str, Any] = dict(record) if isinstance(record, dict) else {}
    if record is not None and not isinstance(record, dict):
        account["record"] = record  # not an object: kept as given, beside the account
    row[DEAD_LETTER_KEY] = account
    return row


class DeadLetterFile:
    """The dead-letter file, appended to in input order.

    Args:
        path: where it lives; created if missing.
        keep: bytes of an earlier run to keep (a checkpoint's offset); everything after is cut,
            or, when ``None``, the file is started afresh.

    Raises:
        CheckpointError: the file is shorter than `keep` (edited or replaced since).
    """

    def __init__(self, path: str | os.PathLike[str], *, keep: int | None) -> None:
        self.path = Path(path)
        self.rows = 0
        self._fresh = keep is None or keep == 0
        # Opened without truncating, and locked, before anything is cut: a second run must not
        # empty the file of the run that holds it.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, _PRIVATE)
        _lock(fd, self.path, "dead-letter file")
        # Unbuffered: each row is one write of the whole line (see `write`).
        self._file: IO[bytes] = open(fd, "r+b", buffering=0)  # noqa: PTH123, SIM115 - an fd
        size = os.fstat(fd).st_size
        if keep is not None and size < keep:
            self._file.close()
            msg = (
                f"the dead-letter file {str(self.path)!r} holds {size} bytes but the checkpoint "
                f"counts on {keep}: it was changed since; restore it, or start afresh without "
                "the checkpoint"
            )
            raise CheckpointError(msg)
        self._offset = keep or 0
        self._file.seek(self._offset)
        # The rows after `keep` (settled after the checkpoint's last save) are cut only once this
        # run writes a row or ends: a resume refused for another input must leave them as they
        # are, since the refusal tells the user the dead letter can be pushed again.
        self._tail_cut = False

    @property
    def offset(self) -> int:
        """Bytes of whole rows written so far (the earlier run's kept bytes included)."""
        return self._offset

    def write(self, row: Mapping[str, Any]) -> None:
        """Append one row, whole or not at all.

        Raises:
            OSError: the disk refused it (full, gone); the file is cut back to its last whole
                row first.
        """
        line = memoryview(dump_json(row) + b"\n")
        self._cut_tail()
        written = 0
        try:
            while written < len(line):
                # One write of the whole line; a short one (a nearly full disk) goes on.
                count = self._file.write(line[written:])
                if not count:
                    raise OSError(28, "No space left on device")
                written += count
        except OSError:
            with contextlib.suppress(OSError):
                self._file.truncate(self._offset)
                self._file.seek(self._offset)
            raise
        self._offset += written
        self.rows += 1

    def flush(self) -> None:
        """Nothing to do: rows are unbuffered (kept for the callers that flush before sync)."""

    def sync(self) -> None:
        """Make every row written so far durable (call after `flush`)."""
        os.fsync(self._file.fileno())

    def _cut_tail(self) -> None:
        if not self._tail_cut:
            self._file.truncate(self._offset)
            self._tail_cut = True

    def close(self, *, keep_tail: bool = False) -> None:
        """Close (idempotent), which releases the lock.

        Args:
            keep_tail: leave the rows after the checkpoint's offset as they were, when this run
                wrote none (a resume refused before it settled anything).

        A file this run started and left empty is removed.
        """
        if self._file.closed:
            return
        if not keep_tail:
            self._cut_tail()
        empty = os.fstat(self._file.fileno()).st_size == 0
        if empty and self._fresh:
            # Removed while still locked: no other run can have opened it in between.
            self.path.unlink(missing_ok=True)
        self._file.close()

    @property
    def kept(self) -> bool:
        """Whether the file exists (it is removed at `close` when it stayed empty)."""
        return self.path.exists()


class SentJournal:
    """``NAME.sent`` beside the checkpoint: the position of every record sent, before it is sent.

    A record a killed run sent is sent again by its resume (see `shopbridge.core.bulk._push`);
    for a create, the API then answers "already exists" to the run that created it. This
    journal says which records those are, so that their 409 is ``already_existed``, never a
    ``conflict``. One unbuffered write per record, before its request: a ``kill -9`` loses
    nothing of it (a power cut may lose its last lines, which the checkpoint does not count on
    either).

    Args:
        checkpoint: the checkpoint it belongs to.
        since: the checkpoint's position when resuming (the positions before it are settled and
            forgotten), or ``None`` to start afresh.
    """

    def __init__(self, checkpoint: Path, *, since: int | None) -> None:
        self.path = checkpoint.with_name(checkpoint.name + ".sent")
        self.earlier: frozenset[int] = frozenset()
        if since is not None:
            with contextlib.suppress(FileNotFoundError):
                lines = self.path.read_bytes().split(b"\n")
                self.earlier = frozenset(
                    int(line) for line in lines if line.isdigit() and int(line) >= since
                )
        # Rewritten with what still matters, so that it never grows past one run's window.
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE)
        if self.earlier:
            os.write(self._fd, b"".join(b"%d\n" % position for position in sorted(self.earlier)))

    def record(self, position: int) -> None:
        """Note that the record at `position` is about to be sent.

        Raises:
            OSError: it cannot be written (a full disk).
        """
        os.write(self._fd, b"%d\n" % position)

    def close(self) -> None:
        """Close (idempotent)."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)


@frozen(kw_only=True)
class CheckpointState:
    """A resumable point of a run (see the module docstring).

    Attributes:
        resource: what the run pushes.
        scope: the store or shop it pushes to.
        position: records before this one are settled for good.
        digest: the fingerprint of those records.
        counts: their outcomes.
        dead_letter: the dead-letter file, if the run keeps one.
        dead_letter_offset: the bytes of it that hold their rows.
        complete: whether the run read its whole input and settled every record for good.
    """

    resource: str
    scope: str
    position: int
    digest: str
    counts: Mapping[str, int]
    dead_letter: str | None
    dead_letter_offset: int
    complete: bool = False

    def save(self, path: Path) -> None:
        """Replace the checkpoint at `path` atomically and durably.

        Raises:
            OSError: it cannot be written (no space, a missing directory); the temporary file
                is removed and the checkpoint on disk is the previous one, whole.
        """
        data = dump_json({"shopbridge_checkpoint": _FORMAT, **asdict(self)})
        fd, name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
        temporary = Path(name)
        try:
            with open(fd, "wb") as file:  # noqa: PTH123 - an fd from mkstemp
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            temporary.replace(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> CheckpointState | None:
        """The checkpoint at `path`, or ``None`` if there is none yet.

        Raises:
            CheckpointError: the file is not a shopbridge checkpoint.
        """
        try:
            data = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, orjson.JSONDecodeError) as exc:
            msg = f"{str(path)!r} is not a readable shopbridge checkpoint ({exc})"
            raise CheckpointError(msg) from None
        if not isinstance(data, dict) or data.get("shopbridge_checkpoint") != _FORMAT:
            msg = f"{str(path)!r} is not a shopbridge checkpoint (or one of another version)"
            raise CheckpointError(msg)
        try:
            return cls(
                resource=str(data["resource"]),
                scope=str(data["scope"]),
                position=int(data["position"]),
                digest=str(data["digest"]),
                counts={str(key): int(value) for key, value in data["counts"].items()},
                dead_letter=None if data["dead_letter"] is None else str(data["dead_letter"]),
                dead_letter_offset=int(data["dead_letter_offset"]),
                complete=bool(data.get("complete", False)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            msg = f"{str(path)!r} is a damaged shopbridge checkpoint (missing or bad {exc})"
            raise CheckpointError(msg) from None

    def outcome_counts(self) -> dict[BulkOutcome, int]:
        """`counts` keyed by outcome."""
        by_value = {outcome.value: outcome for outcome in BulkOutcome}
        return {by_value[key]: count for key, count in self.counts.items() if key in by_value}
