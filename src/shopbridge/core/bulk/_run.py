"""One bulk run's bookkeeping, behind `shopbridge.core.bulk._push.run_bulk` (see its docstring).

`BulkRun` reads the numbered items, keeps the window of records in flight, settles each one,
writes the dead letter in input order, saves the checkpoint, sends progress events and builds
the report. Private to the runner: use `run_bulk`.
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

from shopbridge.core.bulk._files import (
    CheckpointError,
    CheckpointState,
    DeadLetterFile,
    dead_letter_row,
    dump_json,
)
from shopbridge.core.bulk._report import BulkOutcome, BulkProgress, BulkReport, Settled

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from shopbridge.core._engine import EngineCounters
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
        counters: EngineCounters | None,
        concurrency: int,
        max_pending: int,
        on_progress: Callable[[BulkProgress], None] | None,
        total: int | None,
        progress_interval: float,
        checkpoint_interval: float,
        with_position: bool = False,
    ) -> None:
        self._handle = handle
        self._with_position = with_position
        self._resource = resource
        self._scope = scope
        self._to_json = to_json
        self._key_of = key_of
        self._keys_in_flight: dict[object, asyncio.Event] = {}
        self._counters = counters
        self._before = counters.snapshot() if counters is not None else None
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._on_progress = on_progress
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

    # -- files ------------------------------------------------------------------------------

    def open_files(self, dead_letter: Path | None, checkpoint: Path | None) -> None:
        """Load the checkpoint (if any) and open the dead letter, cut back to what it counted.

        Raises:
            CheckpointError: the checkpoint is of another push, or its dead letter changed.
        """
        keep: int | None = None
        if checkpoint is not None:
            self._checkpoint_path = checkpoint
            state = CheckpointState.load(checkpoint)
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
        exhausted = False
        failure: Exception | None = None
        try:
            async with asyncio.TaskGroup() as group:
                try:
                    await self._read_all(group, items)
                except Exception as exc:  # noqa: BLE001 - raised below, once in-flight work ends
                    # Raised inside the group, it would reach the caller wrapped in an
                    # ExceptionGroup; the records in flight finish and are accounted for first.
                    failure = exc
                else:
                    exhausted = True
            if failure is not None:
                raise failure
            if self._resume is not None and self._read < self._resume.position:
                msg = (
                    f"the input has {self._read} records, but the checkpoint "
                    f"{str(self._checkpoint_path)!r} says {self._resume.position} were settled: "
                    "it is of another input; delete it to start afresh"
                )
                raise CheckpointError(msg)
        finally:
            await self._finish(complete=exhausted)
        return self._report()

    async def _read_all(self, group: asyncio.TaskGroup, items: AsyncIterator[InputItem]) -> None:
        async for item in items:
            self._read += 1
            if self._resume is not None and item.position < self._resume.position:
                self._fingerprint(item)  # settled by an earlier run: proven the same, not sent
                if item.position == self._resume.position - 1:
                    self._check_digest()
                continue
            await self._start(group, item)

    async def _start(self, group: asyncio.TaskGroup, item: InputItem) -> None:
        while item.position - self._flushed >= self._max_pending:
            # The oldest unsettled record holds the window: read no further until it settles.
            self._room.clear()
            await self._room.wait()
        if self._stopped is not None:
            self._settle(item, Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message))
            return
        if item.problem is not None:
            self._settle(item, Settled(outcome=BulkOutcome.REJECTED, message=item.problem))
            return
        key = self._key(item.record)
        while (earlier := self._keys_in_flight.get(key)) is not None:
            # The same record earlier in the input is still in flight: it must land first.
            await earlier.wait()
        await self._slots.acquire()
        if self._stop_reason() is not None:  # the run stopped while this one waited
            self._slots.release()
            self._settle(item, Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message))
            return
        if key is not None:
            self._keys_in_flight[key] = asyncio.Event()
        task = group.create_task(self._send(item))
        self._in_flight[task] = (item, key)
        # A task cancelled before it ever ran (the run stopping) runs none of its own code:
        # its record is accounted for by this callback instead.
        task.add_done_callback(self._never_ran)

    def _stop_reason(self) -> str | None:
        return self._stopped

    def _key(self, record: Any) -> object:
        if self._key_of is None:
            return None
        try:
            key = self._key_of(record)
        except Exception:  # noqa: BLE001 - a record without a readable key has none to order by
            return None
        return key if isinstance(key, str | int) else None

    async def _send(self, item: InputItem) -> None:
        try:
            if self._with_position:
                settled = await self._handle(item.record, item.position)
            else:
                settled = await self._handle(item.record)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._stopped is None or current is None or current.cancelling() > 1:
                raise  # the whole run is being cancelled: unsettled, and resumable
            current.uncancel()  # cancelled by the run's stop, which this handles
            settled = Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message)
        except Exception as exc:
            # A bug of ours or of a custom handler: the record is kept, not lost, and said why.
            logger.exception("record %d of %s: unexpected error", item.position, self._resource)
            settled = Settled(outcome=BulkOutcome.FAILED, message=f"{type(exc).__name__}: {exc}")
        # Settled here, in the same step as the answer: a refused key stops the run before
        # the store's next request, which the answer has just let go, can be sent.
        task = asyncio.current_task()
        if task is not None:
            self._release(task)
        self._settle(item, settled)

    def _release(self, task: asyncio.Task[None]) -> None:
        _, key = self._in_flight.pop(task)
        self._slots.release()
        if key is not None:
            self._keys_in_flight.pop(key).set()

    def _never_ran(self, task: asyncio.Task[None]) -> None:
        if task not in self._in_flight:
            return  # it ran, and settled its record
        item, _ = self._in_flight[task]
        self._release(task)
        if task.cancelled() and self._stopped is not None:
            self._settle(item, Settled(outcome=BulkOutcome.SKIPPED, message=self._skip_message))

    def _settle(self, item: InputItem, settled: Settled) -> None:
        self._settled[item.position] = (item, settled)
        if settled.stops_run and self._stopped is None:
            self._stop(settled)
        self._flush()
        self._progress(finished=False)
        if time.monotonic() - self._last_save >= self._checkpoint_interval:
            self._save_soon()

    def _stop(self, settled: Settled) -> None:
        reason = settled.verdict.reason if settled.verdict is not None else "refused"
        self._stopped = f"the first credentials or store failure stopped the run: {reason}"
        self._skip_message = (
            "not sent: the run stopped at the first credentials or store failure; fix the key "
            "or the store, then resume from the checkpoint (or push the dead letter again)"
        )
        current = asyncio.current_task()
        for task in self._in_flight:
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
            self._counts[settled.outcome] += 1
            if settled.attempts == 0 and settled.outcome is BulkOutcome.REJECTED:
                # Decided before any request: by the client's checks, not the table.
                rule = settled.verdict.rule if settled.verdict is not None else "unreadable-input"
                self._local_rules[rule] += 1
            if not settled.outcome.done and self._dead_letter is not None:
                self._dead_letter.write(dead_letter_row(item, settled, self._json(item.record)))
            if self._checkpoint_path is not None and self._mark is None:
                self._fingerprint(item)
            self._flushed += 1
        self._room.set()

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
        if write is not None:
            await anyio.to_thread.run_sync(write)

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
                write()
        finally:
            if self._dead_letter is not None:
                self._dead_letter.close()
        self._progress(finished=True)

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
        self._on_progress(
            BulkProgress(
                settled=settled,
                total=self._total,
                elapsed=elapsed,
                rate=rate,
                eta=eta,
                retries=activity.retries if activity is not None else 0,
                rate_limited=activity.rate_limited if activity is not None else 0,
                rejected=self._counts[BulkOutcome.REJECTED],
                failed=failed,
                finished=finished,
            )
        )

    def _activity(self) -> EngineCounters | None:
        if self._counters is None or self._before is None:
            return None
        return self._counters.since(self._before)

    def _report(self) -> BulkReport:
        activity = self._activity()
        dead_letter = self._dead_letter
        counts = dict(self._counts)
        not_done = sum(count for outcome, count in counts.items() if not outcome.done)
        return BulkReport(
            resource=self._resource,
            total=self._read,
            counts=counts,
            retries=activity.retries if activity is not None else 0,
            rate_limited=activity.rate_limited if activity is not None else 0,
            elapsed=time.monotonic() - self._started,
            resumed_from=self._resume.position if self._resume is not None else 0,
            dead_letter=dead_letter.path if dead_letter is not None and dead_letter.kept else None,
            dead_lettered=not_done if dead_letter is not None else 0,
            stopped=self._stopped,
            rules=self._local_rules + (activity.rules if activity is not None else Counter()),
            learned_windows=activity.learned_windows if activity is not None else {},
            paced_alone=activity.paced_alone if activity is not None else 0.0,
        )
