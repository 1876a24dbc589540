"""The bulk runner: push a stream of records through one client, and account for every one.

A dialect hands `run_bulk` a numbered stream of `InputItem` values and ``handle``, which sends
one record and returns its `Settled` outcome (never raising for an API answer). The runner:

* keeps at most ``concurrency`` requests in flight and at most ``max_pending`` records between
  the oldest unsettled one and the newest read: memory stays constant whatever the input's size;
  pacing at the store's rate limit is the client's limiter's job, shared by every request;
* settles an input line that could not be read as ``rejected``, without a request;
* stops at the first record whose failure dooms every other one of the store (refused
  credentials, an unknown or paused store: `Settled.stops_run`): the records in flight are
  cancelled and every record after is ``skipped``: not sent, not lost (in the dead letter, and
  the checkpoint resumes from that first record);
* writes the dead-letter file in input order, and the checkpoint (see
  `shopbridge.core.bulk._files`) every ``checkpoint_interval`` seconds and at the end;
* sends `BulkProgress` events to ``on_progress`` at most every ``progress_interval`` seconds;
* returns a `BulkReport` whose counts add up to the records read.

Resuming: with a checkpoint from an earlier run of the same push, the records before its
position are read (and fingerprinted, to prove the input is the same) but not sent; their
outcomes come from the checkpoint. What is sent again: the records from that position on which
the killed run had already sent. That position is the oldest record unsettled at the last save,
and a run reads at most ``max_pending`` records ahead of the oldest unsettled one, so the window
re-sent is at most ``max_pending`` plus the records settled since the last save. Upserts being
idempotent, re-sending them is harmless; Kanal's message sends carry an Idempotency-Key derived
from each record, so re-sending them meets a replay.

The run's files are locked against a second run, and a write that fails (a full disk) stops the
run cleanly: see `shopbridge.core.bulk._files` and `BulkReport.file_error`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import anyio.to_thread

from shopbridge.core._errors import ConfigurationError
from shopbridge.core.bulk._records import rows_of
from shopbridge.core.bulk._report import BulkProgress, BulkReport, RecordResult, Settled
from shopbridge.core.bulk._run import BulkRun
from shopbridge.core.bulk._sources import InputFormat, check_readable, count_records, items_from
from shopbridge.core.bulk._stream import ResultStream
from shopbridge.core.sansio._redaction import NO_REDACTION, Redactor

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable

    from shopbridge.core.bulk._sources import InputItem

__all__ = [
    "DeadLetter",
    "ProgressCallback",
    "PushOptions",
    "Records",
    "push_records",
    "records_as_json",
    "run_bulk",
    "with_total",
]


ProgressCallback = Callable[[BulkProgress], None]
"""Receives the progress events of a run, on the event loop's thread."""

DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_PENDING = 4096

DeadLetter = str | os.PathLike[str] | Callable[[dict[str, Any]], object] | list[Any]
"""Where the records not done go: a JSONL path, a callable given each row, or a list."""


class ArrowStream(Protocol):
    """A table known by the Arrow C stream interface (read with pyarrow, if installed)."""

    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...


class InterchangeTable(Protocol):
    """A table known by the DataFrame interchange protocol (read with pandas, if installed)."""

    def __dataframe__(
        self,
        nan_as_null: bool = False,  # noqa: FBT001, FBT002 - the protocol's signature
        allow_copy: bool = True,  # noqa: FBT001, FBT002 - the protocol's signature
    ) -> object: ...


Records = (
    str | os.PathLike[str] | Iterable[Any] | AsyncIterable[Any] | ArrowStream | InterchangeTable
)
"""What a bulk push reads: a JSONL or CSV path (``-``: stdin), an iterable, an async one, or a
table known only by the Arrow C stream interface or the DataFrame interchange protocol."""


class PushOptions(TypedDict, total=False):
    """The options of every ``push_many``/``delete_many`` (all keyword-only, all optional).

    Attributes:
        format: ``"jsonl"`` or ``"csv"``, for a path whose suffix does not say it.
        concurrency: requests in flight at most (default 8). Pacing at the store's rate limit
            is the client's limiter's job, whatever the concurrency.
        dead_letter: where every record that did not reach done goes: a JSONL path, or a
            callable (``rows.append``) or a list given each row as a dict (the record, with
            its account under ``_dead_letter``). A callable that raises stops the run like a
            full disk: nothing is lost, the run resumes from that record.
        checkpoint: where to keep the run's resumable point; a run started again with the same
            input and checkpoint resumes where the last one stopped.
        on_progress: called with `BulkProgress` events (on the event loop's thread). A
            callback that raises is logged once at WARNING with its traceback and not called
            again; the run goes on, and loses nothing.
        on_result: called once per record, in input order, with its `RecordResult` (on the
            event loop's thread), as soon as it and every record before it are settled: mark
            the source rows as synced. A callback that raises is treated as ``on_progress``.
        total: the number of records, for progress, when the source cannot tell.
        max_pending: records at most between the oldest unsettled one and the newest read
            (default 4096): bounds memory, and what a resumed run may send again.
    """

    format: InputFormat | None
    concurrency: int
    dead_letter: DeadLetter | None
    checkpoint: str | os.PathLike[str] | None
    on_progress: Callable[[BulkProgress], None] | None
    on_result: Callable[[RecordResult], None] | None
    total: int | None
    max_pending: int


def records_as_json(to_wire: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A `run_bulk` ``to_json``: mappings as they are, attrs models through `to_wire`."""

    def as_json(record: Any) -> Any:
        if isinstance(record, Mapping):
            return dict(record)
        if hasattr(type(record), "__attrs_attrs__"):
            return to_wire(record)
        return record

    return as_json


def with_total(options: PushOptions, size: int | None) -> PushOptions:
    """`options`, with ``total`` set to `size` unless given (the blocking twins' sized inputs)."""
    if size is None or options.get("total") is not None:
        return options
    return {**options, "total": size}


async def push_records(
    records: Records,
    handle: Callable[..., Awaitable[Settled]],
    *,
    resource: str,
    scope: str,
    to_json: Callable[[Any], Any],
    key_of: Callable[[Any], object] | None = None,
    options: PushOptions,
    with_position: bool = False,
    redactor: Redactor = NO_REDACTION,
) -> BulkReport:
    """`run_bulk` over any source: a path (``-`` for stdin), an iterable, an async iterable.

    Raises:
        ConfigurationError: an option is out of range.
        CheckpointError: the checkpoint belongs to another push or another input.
        InputError: the input cannot be read.
        TypeError: `records` is not a stream of records (an int, one mapping, bytes).
    """
    format_ = options.get("format")
    if isinstance(records, str | os.PathLike):
        check_readable(records, format_)
    total = options.get("total")
    if total is None:
        if isinstance(records, str | os.PathLike):
            if options.get("on_progress") is not None:
                total = await anyio.to_thread.run_sync(count_records, records, format_)
        elif isinstance(records, Sized):
            total = len(records)
    # Rows at once: what is not records fails before any file opens.
    readable = records if isinstance(records, str | os.PathLike) else rows_of(records)
    items = items_from(readable, format=format_)
    on_result = options.get("on_result")
    if isinstance(on_result, ResultStream):
        items = on_result.gated(items)  # a `stream_many`: its reader's pace is the run's
    return await run_bulk(
        items,
        handle,
        resource=resource,
        scope=scope,
        to_json=to_json,
        key_of=key_of,
        concurrency=options.get("concurrency", DEFAULT_CONCURRENCY),
        dead_letter=options.get("dead_letter"),
        checkpoint=options.get("checkpoint"),
        on_progress=options.get("on_progress"),
        on_result=on_result,
        total=total,
        max_pending=options.get("max_pending", DEFAULT_MAX_PENDING),
        with_position=with_position,
        redactor=redactor,
    )


async def run_bulk(
    items: AsyncIterator[InputItem],
    handle: Callable[..., Awaitable[Settled]],
    *,
    resource: str,
    scope: str,
    to_json: Callable[[Any], Any],
    key_of: Callable[[Any], object] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    dead_letter: DeadLetter | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    on_progress: Callable[[BulkProgress], None] | None = None,
    on_result: Callable[[RecordResult], None] | None = None,
    total: int | None = None,
    max_pending: int = DEFAULT_MAX_PENDING,
    progress_interval: float = 0.25,
    checkpoint_interval: float = 1.0,
    with_position: bool = False,
    redactor: Redactor = NO_REDACTION,
) -> BulkReport:
    """Push every item through `handle` (see the module docstring).

    Args:
        items: the numbered records.
        handle: sends one record and says how it ended.
        resource: what is pushed, for the report, the checkpoint and the dead letter.
        scope: the store or shop, recorded in the checkpoint.
        to_json: a record as JSON-ready data, for its dead-letter row and fingerprint.
        key_of: a record's natural key (``external_id``); a record is not sent while an
            earlier one with the same key is in flight, so the last one in input order wins.
        concurrency: requests in flight at most.
        dead_letter: where the records that did not reach done go: a path, a callable, a list.
        checkpoint: where to keep (and find) the resumable point of the run.
        on_progress: called with progress events, on the event loop's thread.
        on_result: called with each record's `RecordResult`, in input order.
        total: the number of records, when known beforehand (for progress and ETA).
        max_pending: records at most between the oldest unsettled one and the newest read.
        progress_interval: seconds at least between two progress events.
        checkpoint_interval: seconds at least between two checkpoint saves.
        with_position: call ``handle(record, position)``, the record's index in the input
            (stable across resumed runs: Kanal messaging derives Idempotency-Keys from it).
        redactor: hides the client's credentials in the dead letter, the checkpoint and the
            report (the client's `redactor`).

    Raises:
        ConfigurationError: an option is out of range.
        CheckpointError: the checkpoint belongs to another push or another input.
        InputError: the input cannot be read.
    """
    if concurrency < 1:
        msg = f"concurrency must be a whole number >= 1, got {concurrency!r}"
        raise ConfigurationError(msg)
    if max_pending < concurrency:
        msg = f"max_pending ({max_pending}) must be at least concurrency ({concurrency})"
        raise ConfigurationError(msg)
    run = BulkRun(
        handle,
        resource=resource,
        scope=scope,
        to_json=to_json,
        key_of=key_of,
        concurrency=concurrency,
        max_pending=max_pending,
        on_progress=on_progress,
        on_result=on_result,
        total=total,
        progress_interval=progress_interval,
        checkpoint_interval=checkpoint_interval,
        with_position=with_position,
        redactor=redactor,
    )
    if isinstance(dead_letter, list):
        dead_letter = dead_letter.append
    if callable(dead_letter):
        run.ledger.send_dead_letter_to(dead_letter)
        dead_letter = None
    run.ledger.open(
        None if dead_letter is None else Path(dead_letter),
        None if checkpoint is None else Path(checkpoint),
    )
    return await run.run(items)
