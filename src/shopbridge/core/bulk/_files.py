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
writes the checkpoint to a temporary file, fsyncs it and renames it over the old one: a run
killed at any instant (``kill -9`` included) leaves a checkpoint that describes rows that are on
disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson
from attrs import asdict, frozen

from shopbridge.core._errors import CheckpointError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.bulk._sources import DEAD_LETTER_KEY

if TYPE_CHECKING:
    from shopbridge.core.bulk._report import Settled
    from shopbridge.core.bulk._sources import InputItem

__all__ = ["CheckpointError", "CheckpointState", "DeadLetterFile", "dead_letter_row"]

_FORMAT = 1


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
        if keep is None:
            self._file: IO[bytes] = self.path.open("wb")
            return
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size < keep:
            msg = (
                f"the dead-letter file {str(self.path)!r} holds {size} bytes but the checkpoint "
                f"counts on {keep}: it was changed since; restore it, or start afresh without "
                "the checkpoint"
            )
            raise CheckpointError(msg)
        self._file = self.path.open("r+b" if size else "wb")
        self._file.truncate(keep)
        self._file.seek(keep)

    @property
    def offset(self) -> int:
        """Bytes written so far (the earlier run's kept bytes included)."""
        return self._file.tell()

    def write(self, row: Mapping[str, Any]) -> None:
        """Append one row (buffered; `flush` and `sync` make it durable)."""
        self._file.write(dump_json(row) + b"\n")
        self.rows += 1

    def flush(self) -> None:
        """Hand the buffered rows to the operating system."""
        self._file.flush()

    def sync(self) -> None:
        """Make every row written so far durable (call after `flush`)."""
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Flush and close (idempotent); a file this run started and left empty is removed."""
        if self._file.closed:
            return
        self._file.flush()
        empty = self._file.tell() == 0
        self._file.close()
        if empty and self._fresh:
            self.path.unlink(missing_ok=True)

    @property
    def kept(self) -> bool:
        """Whether the file exists (it is removed at `close` when it stayed empty)."""
        return self.path.exists()


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
        """Replace the checkpoint at `path` atomically and durably."""
        temporary = path.with_name(path.name + ".tmp")
        data = dump_json({"shopbridge_checkpoint": _FORMAT, **asdict(self)})
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)

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
