"""One bulk run, behind `shopbridge.core.bulk._push.run_bulk` (see its docstring).

`BulkRun` reads the numbered items, sends them, settles each one into its `Ledger` (which
accounts for them in input order: see `shopbridge.core.bulk._ledger`), sends progress events
and results, and builds the report. Private to the runner: use `run_bulk`.

A fixed pool of `concurrency` workers sends the records: each takes the next one to send (the
reading, and every wait that keeps the input's order, done by one worker at a time), sends it
and settles it, then takes the next. A task, a semaphore slot, an event and a done-callback
per record would cost more than the rest of the bookkeeping together.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from attrs import evolve

from shopbridge.core._engine import RUN_COUNTERS
from shopbridge.core._errors import CheckpointError, ShopbridgeError, SourceFailedError
from shopbridge.core._requests import EngineCounters
from shopbridge.core.bulk._ledger import Ledger
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

_NO_KEY_YET: Any = object()
"""A settled record's key before it is read (one settled without a request)."""


class BulkRun:
    """The state of one run: open its `ledger`'s files, then `run` once."""

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
        self._key_of = key_of
        # The scope goes into the checkpoint and into messages: a key given as the store or
        # shop by mistake must not.
        self.ledger = Ledger(
            resource=resource,
            scope=redactor.text(scope),
            to_json=to_json,
            failed=self._files_failed,
            entered=self._entered,
            checkpoint_interval=checkpoint_interval,
        )
        self._keys_in_flight: dict[object, asyncio.Event | None] = {}
        """Keys of the records in flight, each with the event its next record waits on."""
        self._counters = EngineCounters()
        """This run's calls, attempts and rules: its requests only, not the client's others."""
        self._concurrency = concurrency
        self._reading = False  # a worker's turn to read (which may wait: the next batch...)
        self._read_waiters: list[asyncio.Future[None]] = []
        self._items: AsyncIterator[InputItem] | None = None
        self._exhausted = False
        self._failure: Exception | None = None
        self._max_pending = max_pending
        self._on_progress = on_progress
        self._on_result = on_result
        self._total = total
        self._progress_interval = progress_interval
        self._read = 0
        self._in_flight: dict[asyncio.Task[None], tuple[InputItem, object]] = {}
        """The workers sending a record now, with it and its key."""
        self._local_rules: Counter[str] = Counter()
        self._stopped: str | None = None
        self._skip_message: str | None = None
        self._started = time.monotonic()
        self._last_progress = -math.inf

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
        ledger = self.ledger
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self._concurrency):
                    group.create_task(self._work())
            failure = self._failure
            if isinstance(failure, ShopbridgeError):
                # Kept, not raised inside the group: it would reach the caller wrapped in an
                # ExceptionGroup; the records in flight finish and are accounted for first.
                raise failure
            resume = ledger.resume
            if resume is not None and self._read < resume.position:
                msg = (
                    f"the input has {self._read} records, but the checkpoint "
                    f"{str(ledger.checkpoint_path)!r} says {resume.position} were settled: "
                    "it is of another input; delete it to start afresh"
                )
                raise CheckpointError(msg)
        finally:
            RUN_COUNTERS.reset(counting)
            await ledger.finish(complete=self._exhausted and self._failure is None)
            self._progress(finished=True)
        if failure is not None:
            raise self._source_failed(failure) from failure
        return self._report()

    def _source_failed(self, failure: Exception) -> SourceFailedError:
        """The error that says the source raised, once what it gave is settled and saved."""
        report = self._report()
        cause = self._redactor.text(f"{type(failure).__name__}: {failure}")
        saved = ""
        ledger = self.ledger
        if ledger.checkpoint_path is not None:
            position = ledger.mark.position if ledger.mark is not None else ledger.position
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
            await self._send(taken, task)

    async def _next(self) -> tuple[InputItem, object] | None:
        """The next record to send and its key, or ``None`` once the input is spent.

        One worker at a time reads: records settled without a request (resumed, refused on
        reading, skipped after a stop) are settled here, in input order. A free turn is taken
        at once; an `asyncio.Lock`, fair, would hand every turn through a future and a pass of
        the loop once workers had queued behind a wait, one record per pass from then on.
        """
        while self._reading:
            waiter = asyncio.get_running_loop().create_future()
            self._read_waiters.append(waiter)
            await waiter
        self._reading = True
        try:
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
        finally:
            self._reading = False
            if self._read_waiters:
                waiters, self._read_waiters = self._read_waiters, []
                for waiter in waiters:
                    if not waiter.done():  # a worker cancelled while it waited has gone
                        waiter.set_result(None)

    async def _take(self) -> tuple[InputItem, object] | None:
        """Read one item; the record to send with its key, or ``None`` when it is settled."""
        assert self._items is not None  # noqa: S101 - set by run()
        item = await anext(self._items)
        self._read += 1
        ledger = self.ledger
        if ledger.passed(item):
            return None  # settled by an earlier run: proven the same, not sent
        await ledger.room_for(item.position, self._max_pending)
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
        if self._stop_reason() is not None or not ledger.note_sent(item.position):
            # The run stopped while this one waited, or its journal could not be written.
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

    async def _send(self, taken: tuple[InputItem, object], task: asyncio.Task[None]) -> None:
        item, key = taken
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
        del self._in_flight[task]
        if key is not None:
            waiting = self._keys_in_flight.pop(key)
            if waiting is not None:
                waiting.set()
        self._settle(item, settled, key)

    def _settle(self, item: InputItem, settled: Settled, key: object = _NO_KEY_YET) -> None:
        # The one door every outcome goes through to the dead letter, the counts and the report.
        settled = settled.redacted(self._redactor)
        if item.missing and not settled.outcome.done:
            # "The customer.phone field is required" says what; this says why it is empty.
            said = "; ".join(item.missing)
            message = said if settled.message is None else f"{settled.message} ({said})"
            settled = evolve(settled, message=message)
        if settled.outcome is BulkOutcome.CONFLICT and self.ledger.sent_before(item.position):
            # The run this one resumed sent this create: its 409 is that run's own creation.
            settled = evolve(
                settled,
                outcome=BulkOutcome.ALREADY_EXISTED,
                message="created by the run this one resumed (it was sent before the kill)",
            )
        if settled.stops_run and self._stopped is None:
            self._stop(settled)
        self.ledger.settle(item, settled, key)
        self._progress(finished=False)
        self.ledger.save_if_due()

    def _stop(self, settled: Settled) -> None:
        reason = settled.verdict.reason if settled.verdict is not None else "refused"
        self._halt(
            f"the first credentials or store failure stopped the run: {reason}",
            "not sent: the run stopped at the first credentials or store failure; fix the key "
            "or the store, then resume from the checkpoint (or push the dead letter again)",
        )

    def _files_failed(self, error: str) -> None:
        """A file of the run cannot be written (a full disk): stop, keeping what is settled."""
        logger.error("%s: %s; the run stops", self._resource, error)
        if self._stopped is None:
            self._halt(
                f"{error}; free the space, then resume from the checkpoint",
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

    def _entered(self, item: InputItem, settled: Settled, key: object) -> None:
        # Each record once the ledger accounted for it, in input order.
        if self._on_result is not None:
            key = self._key(item.record) if key is _NO_KEY_YET else key
            key = key if isinstance(key, str | int) else None
            self._call_back("on_result", RecordResult.of(item.position, key, settled))
        if settled.attempts == 0 and settled.outcome is BulkOutcome.REJECTED:
            # Decided before any request: by the client's checks, not the table.
            rule = settled.verdict.rule if settled.verdict is not None else "unreadable-input"
            self._local_rules[rule] += 1

    # -- progress, report -------------------------------------------------------------------

    def _progress(self, *, finished: bool) -> None:
        if self._on_progress is None:
            return
        now = time.monotonic()
        if not finished and now - self._last_progress < self._progress_interval:
            return
        self._last_progress = now
        elapsed = now - self._started
        ledger = self.ledger
        resumed = ledger.resume.position if ledger.resume is not None else 0
        settled = ledger.settled
        rate = (settled - resumed) / elapsed if elapsed > 0 else 0.0
        eta = None
        if self._total is not None and rate > 0:
            eta = max(self._total - settled, 0) / rate
        activity = self._counters
        counts = ledger.counts
        failed = sum(count for outcome, count in counts.items() if not outcome.done)
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
                rejected=counts[BulkOutcome.REJECTED],
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

    def _report(self) -> BulkReport:
        activity = self._counters.snapshot()  # the pacer's windows and time alone, read now
        ledger = self.ledger
        dead_letter = ledger.dead_letter
        counts = dict(ledger.counts)
        not_done = sum(count for outcome, count in counts.items() if not outcome.done)
        return BulkReport(
            resource=self._resource,
            total=self._read,
            counts=counts,
            retries=activity.retries,
            rate_limited=activity.rate_limited,
            elapsed=time.monotonic() - self._started,
            resumed_from=ledger.resume.position if ledger.resume is not None else 0,
            dead_letter=dead_letter.path if dead_letter is not None and dead_letter.kept else None,
            dead_lettered=not_done - ledger.unwritten if ledger.keeps_rows else 0,
            stopped=self._stopped,
            file_error=ledger.file_error,
            rules=self._local_rules + activity.rules,
            learned_windows=activity.learned_windows,
            paced_alone=activity.paced_alone,
        )
