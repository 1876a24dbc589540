"""One bulk run's bookkeeping, behind `shopbridge.core.bulk._push.run_bulk` (see its docstring).

`BulkRun` reads the numbered items, keeps the window of records in flight, settles each one,
writes the dead letter in input order, saves the checkpoint, sends progress events and builds
the report. Private to the runner: use `run_bulk`.

A fixed pool of `concurrency` workers sends the records: each takes the next one to send (the
reading, and every wait that keeps the input's order, done by one worker at a time), sends it
and settles it, then takes the next. A task, a semaphore slot, an event and a done-callback
per record cost more than the rest of the bookkeeping together.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from attrs import evolve

from shopbridge.core._engine import RUN_COUNTERS
from shopbridge.core._errors import ShopbridgeError, SourceFailedError
from shopbridge.core._requests import EngineCounters
from shopbridge.core.bulk._files import (
    CheckpointError,
    CheckpointLock,
    CheckpointState,
    DeadLetterFile,
    SentJournal,
    UnwritableFileError,
    dead_letter_row,
    dump_json,
)
from shopbridge.core.bulk._report import (
    BulkOutcome,
    BulkProgress,
    BulkReport,
    RecordResult,
    Settled,
    records,
)
from shopbridge.core.sansio._redaction import NO_REDACTION, Redactor

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from shopbridge.core.bulk._sources import InputItem

__all__ = ["BulkRun"]

logger = logging.getLogger("shopbridge.bulk")


class BulkRun:
    """The state of one run; `open_files`, then `run` once."""

    def __init__(
        self,
        handle: Callable[..., Awaitable[Settled]],
        *,
        resource: str,
        scope: str,
        to_json: Callable[[Any], Any],
        key_of: Callable[[Any], object] | None,
        concurrency: int,
        max_pending: int,
        on_progress: Callable[[BulkProgress], None] | None,
        on_result: Callable[[RecordResult], None] | None = None,
        total: int | None,
        progress_interval: float,
        checkpoint_interval: float,
        with_position: bool = False,
        redactor: Redactor = NO_REDACTION,
    ) -> None:
        self._handle = handle
        self._with_position = with_position
        self._redactor = redactor
        self._resource = resource
        # The scope goes into the checkpoint and into messages: a key given as the store or
        # shop by mistake must not.
        self._scope = redactor.text(scope)
        self._to_json = to_json
        self._key_of = key_of
        self._keys_in_flight: dict[object, asyncio.Event | None] = {}
        """Keys of the records in flight, each with the event its next record waits on."""
        self._counters = EngineCounters()
        """This run's calls, attempts and rules: its requests only, not the client's others."""
        self._concurrency = concurrency
        self._reading = asyncio.Lock()
        self._items: AsyncIterator[InputItem] | None = None
        self._exhausted = False
        self._failure: Exception | None = None
        self._max_pending = max_pending
        self._on_progress = on_progress
        self._on_result = on_result
        self._dead_letter_sink: Callable[[dict[str, Any]], object] | None = None
        self._total = total
        self._progress_interval = progress_interval
        self._checkpoint_interval = checkpoint_interval
        self._dead_letter: DeadLetterFile | None = None
        self._checkpoint_path: Path | None = None
        self._resume: CheckpointState | None = None
        self._counts: Counter[BulkOutcome] = Counter()
        self._settled: dict[int, tuple[InputItem, Settled]] = {}
        self._flushed = 0  # every position before this one is counted and dead-lettered
        self._read = 0
        self._in_flight: dict[asyncio.Task[None], tuple[InputItem, object]] = {}
        """The workers sending a record now, with it and its key."""
        self._room = asyncio.Event()
        self._local_rules: Counter[str] = Counter()
        self._stopped: str | None = None
        self._skip_message: str | None = None
        self._digest = hashlib.blake2b(digest_size=16)
        self._mark: CheckpointState | None = None  # the resumable point, once frozen
        self._started = time.monotonic()
        self._last_progress = -math.inf
        self._last_save = time.monotonic()
        self._saving: asyncio.Task[None] | None = None
        self._verified = True
        self._lock: CheckpointLock | None = None
        self._file_error: str | None = None
        self._journal: SentJournal | None = None
        self._unwritten = 0  # records not done whose dead-letter row could not be written

    # -- files ------------------------------------------------------------------------------

    def send_dead_letter_to(self, sink: Callable[[dict[str, Any]], object]) -> None:
        """Hand every dead-letter row to `sink` (a callable, a list's ``append``), not a file."""
        self._dead_letter_sink = sink

    def open_files(self, dead_letter: Path | None, checkpoint: Path | None) -> None:
        """Load the checkpoint (if any) and open the dead letter, cut back to what it counted.

        Raises:
            CheckpointError: the checkpoint is of another push, or its dead letter changed.
            FilesInUseError: another run holds the checkpoint or the dead letter.
            UnwritableFileError: one of them cannot be created (a missing directory).
        """
        try:
            self._open_files(dead_letter, checkpoint)
        except OSError as exc:
            self._close_files()
            # Found before anything is sent, rather than after every record was pushed.
            where = exc.filename if exc.filename is not None else dead_letter or checkpoint
            msg = (
                f"cannot write {str(where)!r}: {exc.strerror or exc}; give a path in a "
                "directory that exists and can be written to"
            )
            raise UnwritableFileError(msg) from None
        except BaseException:
            self._close_files()
            raise

    def _open_files(self, dead_letter: Path | None, checkpoint: Path | None) -> None:
        keep: int | None = None
        if checkpoint is not None:
            self._checkpoint_path = checkpoint
            # Locked before it is read: the state read is the one no other run is changing.
            self._lock = CheckpointLock(checkpoint)
            state = CheckpointState.load(checkpoint)
            self._journal = SentJournal(checkpoint, since=None if state is None else state.position)
            if state is not None:
                self._check_belongs(state, dead_letter)
                self._resume = state
                self._counts.update(state.outcome_counts())
                self._flushed = state.position
                # Until the input is proven the same as the checkpoint's, nothing overwrites it.
                self._verified = state.position == 0
                keep = state.dead_letter_offset
        if dead_letter is not None:
            self._dead_letter = DeadLetterFile(dead_letter, keep=keep)

    def _check_belongs(self, state: CheckpointState, dead_letter: Path | None) -> None:
        path = self._checkpoint_path
        if (state.resource, state.scope) != (self._resource, self._scope):
            msg = (
                f"the checkpoint {str(path)!r} is of a push of {state.resource} to "
                f"{state.scope}, not of {self._resource} to {self._scope}: give another "
                "checkpoint path, or delete this one to start afresh"
            )
            raise CheckpointError(msg)
        given = None if dead_letter is None else dead_letter.resolve()
        kept = None if state.dead_letter is None else Path(state.dead_letter).resolve()
        if given != kept and state.position:
            expected = None if dead_letter is None else str(dead_letter)
            msg = (
                f"the checkpoint {str(path)!r} was written with the dead-letter file "
                f"{state.dead_letter!r}, not {expected!r}: give the same one, so that no "
                "record's row is lost"
            )
            raise CheckpointError(msg)

    # -- the run ----------------------------------------------------------------------------

    async def run(self, items: AsyncIterator[InputItem]) -> BulkReport:
        """Settle every item; save the checkpoint and close the files whatever happens.

        Raises:
            CheckpointError: the input is not the one the checkpoint was written for.
        """
        self._items = items
        # The workers (and the tasks they start, a batch's) inherit it: the engine counts
        # their calls here too.
        counting = RUN_COUNTERS.set(self._counters)
        failure: Exception | None = None
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self._concurrency):
                    group.create_task(self._work())
            failure = self._failure
            if isinstance(failure, ShopbridgeError):
                # Kept, not raised inside the group: it would reach the caller wrapped in an
                # ExceptionGroup; the records in flight finish and are accounted for first.
                raise failure
            if self._resume is not None and self._read < self._resume.position:
                msg = (
                    f"the input has {self._read} records, but the checkpoint "
                    f"{str(self._checkpoint_path)!r} says {self._resume.position} were settled: "
                    "it is of another input; delete it to start afresh"
                )
                raise CheckpointError(msg)
        finally:
            RUN_COUNTERS.reset(counting)
            await self._finish(complete=self._exhausted and self._failure is None)
        if failure is not None:
            raise self._source_failed(failure) from failure
        return self._report()

    def _source_failed(self, failure: Exception) -> SourceFailedError:
        """The error that says the source raised, once what it gave is settled and saved."""
        report = self._report()
        cause = self._redactor.text(f"{type(failure).__name__}: {failure}")
        saved = ""
        if self._checkpoint_path is not None:
            position = self._mark.position if self._mark is not None else self._flushed
            saved = (
                f"; checkpoint saved at {position}: fix the source, then push again with the "
                "same checkpoint to resume"
            )
        message = (
            f"the source of {self._resource} raised {cause} after {records(self._read)}; "
            f"every record read was settled{saved}"
        )
        return SourceFailedError(message, report=report)

    async def _work(self) -> None:
        """One worker: take the next record to send, send it, settle it; until none is left."""
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - a worker is a task of the run's group
        in_flight = self._in_flight
        while (taken := await self._next()) is not None:
            in_flight[task] = taken
            await self._send(taken[0], task)

    async def _next(self) -> tuple[InputItem, object] | None:
        """The next record to send and its key, or ``None`` once the input is spent.

        One worker at a time reads: records settled without a request (resumed, refused on
        reading, skipped after a stop) are settled here, in input order.
        """
        async with self._reading:
            while not self._exhausted:
                try:
                    taken = await self._take()
                except StopAsyncIteration:
                    self._exhausted = True
                except Exception as exc:  # noqa: BLE001 - raised by run(), once the workers end
                    self._failure = exc
                    self._exhausted = True
                else:
                    if taken is not None:
                        return taken
            return None

    async def _take(self) -> tuple[InputItem, object] | None:
        """Read one item; the record to send with its key, or ``None`` when it is settled."""
        assert self._items is not None  # noqa: S101 - set by run()
        item = await anext(self._items)
        self._read += 1
        if self._resume is not None and item.position < self._resume.position:
            self._fingerprint(item)  # settled by an earlier run: proven the same, not sent
            if item.position == self._resume.position - 1:
                self._check_digest()
            return None
        while item.position - self._flushed >= self._max_pending:
            # The oldest unsettled record holds the window: read no further until it settles.
            self._room.clear()
            await self._room.wait()
        if self._stopped is not None:
            self._settle(item, Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message))
            return None
        if item.problem is not None:
            self._settle(item, Settled(outcome=BulkOutcome.REJECTED, message=item.problem))
            return None
        key = self._key(item.record)
        keys = self._keys_in_flight
        while key in keys:
            # The same record earlier in the input is still in flight: it must land first.
            earlier = keys[key]
            if earlier is None:
                earlier = keys[key] = asyncio.Event()
            await earlier.wait()
        if self._stop_reason() is not None:  # the run stopped while this one waited
            self._settle(item, Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message))
            return None
        if self._journal is not None:
            try:
                self._journal.record(item.position)  # before the request: see SentJournal
            except OSError as exc:
                self._files_failed(f"journal {str(self._journal.path)!r}", exc)
                self._settle(item, Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message))
                return None
        if key is not None:
            keys[key] = None  # an event only once a later record with this key waits
        return item, key

    def _stop_reason(self) -> str | None:
        # Read through a method: mypy would take `self._stopped` as still None after the wait.
        return self._stopped

    def _key(self, record: Any) -> object:
        if self._key_of is None:
            return None
        try:
            key = self._key_of(record)
        except Exception:  # noqa: BLE001 - a record without a readable key has none to order by
            return None
        return key if isinstance(key, str | int) else None

    async def _send(self, item: InputItem, task: asyncio.Task[None]) -> None:
        try:
            if self._with_position:
                settled = await self._handle(item.record, item.position)
            else:
                settled = await self._handle(item.record)
        except asyncio.CancelledError:
            if self._stopped is None or task.cancelling() > 1:
                raise  # the whole run is being cancelled: unsettled, and resumable
            task.uncancel()  # cancelled by the run's stop, which this handles
            settled = Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message)
        except Exception as exc:
            # A bug of ours or of a custom handler: the record is kept, not lost, and said why.
            logger.exception("record %d of %s: unexpected error", item.position, self._resource)
            settled = Settled(outcome=BulkOutcome.FAILED, message=f"{type(exc).__name__}: {exc}")
        # Settled here, in the same step as the answer: a refused key stops the run before
        # the store's next request, which the answer has just let go, can be sent.
        self._release(task)
        self._settle(item, settled)

    def _release(self, task: asyncio.Task[None]) -> None:
        _, key = self._in_flight.pop(task)
        if key is not None:
            waiting = self._keys_in_flight.pop(key)
            if waiting is not None:
                waiting.set()

    def _settle(self, item: InputItem, settled: Settled) -> None:
        # The one door every outcome goes through to the dead letter, the counts and the report.
        settled = settled.redacted(self._redactor)
        if item.missing and not settled.outcome.done:
            # "The customer.phone field is required" says what; this says why it is empty.
            said = "; ".join(item.missing)
            message = said if settled.message is None else f"{settled.message} ({said})"
            settled = evolve(settled, message=message)
        if settled.outcome is BulkOutcome.CONFLICT and self._sent_before(item.position):
            # The run this one resumed sent this create: its 409 is that run's own creation.
            settled = evolve(
                settled,
                outcome=BulkOutcome.ALREADY_EXISTED,
                message="created by the run this one resumed (it was sent before the kill)",
            )
        self._settled[item.position] = (item, settled)
        if settled.stops_run and self._stopped is None:
            self._stop(settled)
        self._flush()
        self._progress(finished=False)
        if time.monotonic() - self._last_save >= self._checkpoint_interval:
            self._save_soon()

    def _sent_before(self, position: int) -> bool:
        return self._journal is not None and position in self._journal.earlier

    def _stop(self, settled: Settled) -> None:
        reason = settled.verdict.reason if settled.verdict is not None else "refused"
        self._halt(
            f"the first credentials or store failure stopped the run: {reason}",
            "not sent: the run stopped at the first credentials or store failure; fix the key "
            "or the store, then resume from the checkpoint (or push the dead letter again)",
        )

    def _files_failed(self, what: str, exc: OSError) -> None:
        """A file of the run cannot be written (a full disk): stop, keeping what is settled."""
        if self._file_error is not None:
            return
        self._file_error = f"the {what} could not be written: {exc.strerror or exc}"
        logger.error("%s: %s; the run stops", self._resource, self._file_error)
        if self._stopped is None:
            self._halt(
                f"{self._file_error}; free the space, then resume from the checkpoint",
                "not sent: the run stopped when its files could not be written; free the "
                "space, then resume from the checkpoint",
            )

    def _halt(self, stopped: str, skip_message: str) -> None:
        self._stopped = stopped
        self._skip_message = skip_message
        current = asyncio.current_task()
        for task in self._in_flight:  # the workers sending a record now, none of them waiting
            if task is not current and not task.done():
                task.cancel()

    def _flush(self) -> None:
        # Settle in input order: the dead letter is written, and the counts move, only up to
        # the oldest record still in flight.
        while (entry := self._settled.pop(self._flushed, None)) is not None:
            item, settled = entry
            if self._mark is None and (settled.stops_run or settled.outcome is BulkOutcome.SKIPPED):
                # Not final: with the key or the store fixed it can succeed. Resume from here.
                self._mark = self._state(complete=False)
            if not settled.outcome.done:
                if self._dead_letter is not None:
                    self._write_row(item, settled)
                elif self._dead_letter_sink is not None:
                    self._hand_row(item, settled)
            if self._on_result is not None:
                key = self._key(item.record)
                result = RecordResult.of(
                    item.position, key if isinstance(key, str | int) else None, settled
                )
                self._call_back("on_result", result)
            self._counts[settled.outcome] += 1
            if settled.attempts == 0 and settled.outcome is BulkOutcome.REJECTED:
                # Decided before any request: by the client's checks, not the table.
                rule = settled.verdict.rule if settled.verdict is not None else "unreadable-input"
                self._local_rules[rule] += 1
            if self._checkpoint_path is not None and self._mark is None:
                self._fingerprint(item)
            self._flushed += 1
        self._room.set()

    def _write_row(self, item: InputItem, settled: Settled) -> None:
        dead_letter = self._dead_letter
        assert dead_letter is not None  # noqa: S101 - the caller checked
        if self._file_error is None:
            try:
                dead_letter.write(dead_letter_row(item, settled, self._json(item.record)))
            except OSError as exc:
                # The row was cut back whole: resume from this record, which has none.
                if self._mark is None:
                    self._mark = self._state(complete=False)
                self._files_failed(f"dead letter {str(dead_letter.path)!r}", exc)
            else:
                return
        self._unwritten += 1

    def _hand_row(self, item: InputItem, settled: Settled) -> None:
        sink = self._dead_letter_sink
        assert sink is not None  # noqa: S101 - the caller checked
        if self._file_error is None:
            try:
                sink(dead_letter_row(item, settled, self._json(item.record)))
            except Exception as exc:
                # The row is lost to the sink: stop as a full disk would, resumable from here.
                logger.exception("%s: the dead-letter callable raised", self._resource)
                if self._mark is None:
                    self._mark = self._state(complete=False)
                self._files_failed("dead letter (a callable)", OSError(f"{type(exc).__name__}"))
            else:
                return
        self._unwritten += 1

    def _json(self, record: Any) -> Any:
        try:
            return self._to_json(record)
        except Exception:  # noqa: BLE001 - a record that cannot be shown is kept as text
            return repr(record)

    def _fingerprint(self, item: InputItem) -> None:
        raw = item.raw
        if raw is None:
            raw = dump_json(self._json(item.record), sort_keys=True)
        self._digest.update(len(raw).to_bytes(8, "big"))
        self._digest.update(raw)

    def _check_digest(self) -> None:
        assert self._resume is not None  # noqa: S101 - only called when resuming
        if self._digest.hexdigest() != self._resume.digest:
            msg = (
                f"the input differs from the one the checkpoint {str(self._checkpoint_path)!r} "
                f"was written for (its first {self._resume.position} records changed): give "
                "the same input, or delete the checkpoint to start afresh"
            )
            raise CheckpointError(msg)
        self._verified = True

    # -- checkpoint, progress, report ---------------------------------------------------------

    def _state(self, *, complete: bool) -> CheckpointState:
        counts = {outcome.value: count for outcome, count in self._counts.items() if count}
        dead_letter = self._dead_letter
        return CheckpointState(
            resource=self._resource,
            scope=self._scope,
            position=self._flushed,
            digest=self._digest.hexdigest(),
            counts=counts,
            dead_letter=None if dead_letter is None else str(dead_letter.path),
            dead_letter_offset=0 if dead_letter is None else dead_letter.offset,
            complete=complete,
        )

    def _save_soon(self) -> None:
        self._last_save = time.monotonic()
        if self._checkpoint_path is None or (self._saving is not None and not self._saving.done()):
            return
        self._saving = asyncio.get_running_loop().create_task(self._save(complete=False))

    def _checkpoint_now(self, *, complete: bool) -> Callable[[], None] | None:
        """Take the state to save now; return the blocking part (durable writes) to run."""
        path = self._checkpoint_path
        if path is None or not self._verified:
            return None
        state = self._mark if self._mark is not None else self._state(complete=complete)
        dead_letter = self._dead_letter
        if dead_letter is not None:
            dead_letter.flush()

        def write() -> None:
            if dead_letter is not None:
                dead_letter.sync()  # the rows first, then the checkpoint that counts on them
            state.save(path)

        return write

    async def _save(self, *, complete: bool) -> None:
        write = self._checkpoint_now(complete=complete)
        if write is None:
            return
        try:
            await anyio.to_thread.run_sync(write)
        except OSError as exc:
            # Never silent: a run that cannot save its resumable point stops sending.
            self._files_failed(f"checkpoint {str(self._checkpoint_path)!r}", exc)

    async def _finish(self, *, complete: bool) -> None:
        saving = self._saving
        if saving is not None and not saving.done():
            # Cancelled or not, the last save below must not overlap the one in flight.
            with contextlib.suppress(BaseException):
                await asyncio.shield(saving)
        try:
            # On the loop's thread, not a worker's: this must happen even when the run is
            # being cancelled, and it is the run's last act.
            write = self._checkpoint_now(complete=complete and self._mark is None)
            if write is not None:
                try:
                    write()
                except OSError as exc:  # the checkpoint on disk is the last one saved, whole
                    self._files_failed(f"checkpoint {str(self._checkpoint_path)!r}", exc)
        finally:
            self._close_files()
        self._progress(finished=True)

    def _close_files(self) -> None:
        try:
            if self._dead_letter is not None:
                # A resume refused for another input leaves the dead letter as it found it.
                self._dead_letter.close(keep_tail=not self._verified)
            if self._journal is not None:
                self._journal.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    def _progress(self, *, finished: bool) -> None:
        if self._on_progress is None:
            return
        now = time.monotonic()
        if not finished and now - self._last_progress < self._progress_interval:
            return
        self._last_progress = now
        elapsed = now - self._started
        resumed = self._resume.position if self._resume is not None else 0
        settled = self._flushed + len(self._settled)
        rate = (settled - resumed) / elapsed if elapsed > 0 else 0.0
        eta = None
        if self._total is not None and rate > 0:
            eta = max(self._total - settled, 0) / rate
        activity = self._activity()
        failed = sum(count for outcome, count in self._counts.items() if not outcome.done)
        self._call_back(
            "on_progress",
            BulkProgress(
                settled=settled,
                total=self._total,
                elapsed=elapsed,
                rate=rate,
                eta=eta,
                retries=activity.retries,
                rate_limited=activity.rate_limited,
                rejected=self._counts[BulkOutcome.REJECTED],
                failed=failed,
                finished=finished,
            ),
        )

    def _call_back(self, name: str, event: Any) -> None:
        """Call the user's `name` callback with `event`; one that raises is not called again.

        A callback's bug must not abort the run (the records in flight would be cancelled, and
        the rest unsent), nor be silent: it is logged once, with its traceback, at WARNING.
        """
        callback = getattr(self, f"_{name}")
        try:
            callback(event)
        except Exception:
            setattr(self, f"_{name}", None)
            logger.warning(
                "%s: the %s callback raised; the run goes on without calling it again",
                self._resource,
                name,
                exc_info=True,
            )

    def _activity(self) -> EngineCounters:
        return self._counters

    def _report(self) -> BulkReport:
        activity = self._activity().snapshot()  # the pacer's windows and time alone, read now
        dead_letter = self._dead_letter
        counts = dict(self._counts)
        not_done = sum(count for outcome, count in counts.items() if not outcome.done)
        return BulkReport(
            resource=self._resource,
            total=self._read,
            counts=counts,
            retries=activity.retries,
            rate_limited=activity.rate_limited,
            elapsed=time.monotonic() - self._started,
            resumed_from=self._resume.position if self._resume is not None else 0,
            dead_letter=dead_letter.path if dead_letter is not None and dead_letter.kept else None,
            dead_lettered=(
                not_done - self._unwritten
                if dead_letter is not None or self._dead_letter_sink is not None
                else 0
            ),
            stopped=self._stopped,
            file_error=self._file_error,
            rules=self._local_rules + activity.rules,
            learned_windows=activity.learned_windows,
            paced_alone=activity.paced_alone,
        )
