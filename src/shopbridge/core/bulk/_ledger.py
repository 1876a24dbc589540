"""A bulk run's account in input order, and the files that keep it: `Ledger`, which `BulkRun` holds.

The run settles records in any order (`settle`); the ledger takes them in input order: it
counts each one, writes the dead-letter row of each one not done (to the file, or to the
callable given instead), fingerprints them for the checkpoint, and hands each one back to the
run's ``entered`` (its result, its rule). `room_for` holds the reading back while the oldest
unsettled record is too far behind. The ledger also keeps what resuming needs: the checkpoint
it loaded (`resume`, whose records `passed` proves are the same as this input's), the sent
journal, the lock, and the resumable point once the run stops (`freeze`). A file that cannot
be written is reported to the run's ``failed`` (which stops the run), and the ledger writes no
further row. Private to the runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread

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
from shopbridge.core.bulk._report import BulkOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge.core.bulk._report import Settled
    from shopbridge.core.bulk._sources import InputItem

__all__ = ["Ledger"]

logger = logging.getLogger("shopbridge.bulk")


class Ledger:
    """The account of one run, in input order, and its files (module docstring).

    Args:
        resource: what the run pushes (in the checkpoint, and the messages).
        scope: the store or shop, redacted (in the checkpoint).
        to_json: a record as JSON-ready data, for its row and its fingerprint.
        failed: told what could not be written and why (once per run); stops the run.
        entered: given each record, its outcome and its key, once accounted for, in input order.
        checkpoint_interval: seconds at least between two saves while the run goes on.
    """

    def __init__(
        self,
        *,
        resource: str,
        scope: str,
        to_json: Callable[[Any], Any],
        failed: Callable[[str], None],
        entered: Callable[[InputItem, Settled, object], None],
        checkpoint_interval: float,
    ) -> None:
        self._resource = resource
        self._scope = scope
        self._to_json = to_json
        self._failed = failed
        self._entered = entered
        self._checkpoint_interval = checkpoint_interval
        self.counts: Counter[BulkOutcome] = Counter()
        """The outcomes of the records entered (and of those the resumed checkpoint counted)."""
        self.position = 0
        """Every record before this one is entered: counted and, if not done, dead-lettered."""
        self._pending: dict[int, tuple[InputItem, Settled, object]] = {}
        """Records settled out of input order, each with its key, until the ones before are."""
        self._room = asyncio.Event()
        self.resume: CheckpointState | None = None
        """The checkpoint this run resumes from, if any."""
        self.checkpoint_path: Path | None = None
        self.dead_letter: DeadLetterFile | None = None
        self._sink: Callable[[dict[str, Any]], object] | None = None
        self._lock: CheckpointLock | None = None
        self._journal: SentJournal | None = None
        self._digest = hashlib.blake2b(digest_size=16)
        self.mark: CheckpointState | None = None
        """The resumable point, once frozen (the run stopped: what follows is not final)."""
        self._verified = True
        self.file_error: str | None = None
        """Why a file of the run could not be written, once one could not."""
        self.unwritten = 0
        """Records not done whose dead-letter row could not be written."""
        self._last_save = time.monotonic()
        self._saving: asyncio.Task[None] | None = None

    # -- opening ----------------------------------------------------------------------------

    def send_dead_letter_to(self, sink: Callable[[dict[str, Any]], object]) -> None:
        """Hand every dead-letter row to `sink` (a callable, a list's ``append``), not a file."""
        self._sink = sink

    def open(self, dead_letter: Path | None, checkpoint: Path | None) -> None:
        """Load the checkpoint (if any) and open the dead letter, cut back to what it counted.

        Raises:
            CheckpointError: the checkpoint is of another push, or its dead letter changed.
            FilesInUseError: another run holds the checkpoint or the dead letter.
            UnwritableFileError: one of them cannot be created (a missing directory).
        """
        try:
            self._open(dead_letter, checkpoint)
        except OSError as exc:
            self.close()
            # Found before anything is sent, rather than after every record was pushed.
            where = exc.filename if exc.filename is not None else dead_letter or checkpoint
            msg = (
                f"cannot write {str(where)!r}: {exc.strerror or exc}; give a path in a "
                "directory that exists and can be written to"
            )
            raise UnwritableFileError(msg) from None
        except BaseException:
            self.close()
            raise

    def _open(self, dead_letter: Path | None, checkpoint: Path | None) -> None:
        keep: int | None = None
        if checkpoint is not None:
            self.checkpoint_path = checkpoint
            # Locked before it is read: the state read is the one no other run is changing.
            self._lock = CheckpointLock(checkpoint)
            state = CheckpointState.load(checkpoint)
            self._journal = SentJournal(checkpoint, since=None if state is None else state.position)
            if state is not None:
                self._check_belongs(state, dead_letter)
                self.resume = state
                self.counts.update(state.outcome_counts())
                self.position = state.position
                # Until the input is proven the same as the checkpoint's, nothing overwrites it.
                self._verified = state.position == 0
                keep = state.dead_letter_offset
        if dead_letter is not None:
            self.dead_letter = DeadLetterFile(dead_letter, keep=keep)

    def _check_belongs(self, state: CheckpointState, dead_letter: Path | None) -> None:
        path = self.checkpoint_path
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

    @property
    def keeps_rows(self) -> bool:
        """Whether the records not done have somewhere to go (a file or a callable)."""
        return self.dead_letter is not None or self._sink is not None

    # -- the records ------------------------------------------------------------------------

    def passed(self, item: InputItem) -> bool:
        """Whether `item` was settled by the run resumed (fingerprinted, not to be sent).

        Raises:
            CheckpointError: it is the last of them, and they are not the checkpoint's.
        """
        resume = self.resume
        if resume is None or item.position >= resume.position:
            return False
        self._fingerprint(item)
        if item.position == resume.position - 1:
            self._check_digest(resume)
        return True

    def note_sent(self, position: int) -> bool:
        """Journal the record at `position` before its request; whether it may be sent."""
        journal = self._journal
        if journal is None:
            return True
        try:
            journal.record(position)  # before the request: see SentJournal
        except OSError as exc:
            self.fail(f"journal {str(journal.path)!r}", exc)
            return False
        return True

    def sent_before(self, position: int) -> bool:
        """Whether the run resumed sent the record at `position` (its journal says so)."""
        return self._journal is not None and position in self._journal.earlier

    @property
    def settled(self) -> int:
        """Records settled so far: those entered, and those waiting for an earlier one."""
        return self.position + len(self._pending)

    async def room_for(self, position: int, max_pending: int) -> None:
        """Wait until `position` is less than `max_pending` past the oldest unsettled record."""
        while position - self.position >= max_pending:
            # The oldest unsettled record holds the window: read no further until it settles.
            self._room.clear()
            await self._room.wait()

    def settle(self, item: InputItem, settled: Settled, key: object) -> None:
        """Take `item`'s outcome; enter it, and those it held back, once every earlier one is."""
        pending = self._pending
        pending[item.position] = (item, settled, key)
        while (entry := pending.pop(self.position, None)) is not None:
            self._enter(entry[0], entry[1])
            self._entered(*entry)
        self._room.set()

    def _enter(self, item: InputItem, settled: Settled) -> None:
        outcome = settled.outcome
        if self.mark is None and (settled.stops_run or outcome is BulkOutcome.SKIPPED):
            # Not final: with the key or the store fixed it can succeed. Resume from here.
            self.freeze()
        if not outcome.done:
            if self.dead_letter is not None:
                self._write_row(item, settled)
            elif self._sink is not None:
                self._hand_row(item, settled)
        self.counts[outcome] += 1
        if self.checkpoint_path is not None and self.mark is None:
            self._fingerprint(item)
        self.position += 1

    def freeze(self) -> None:
        """Make the point reached the one to resume from (idempotent)."""
        if self.mark is None:
            self.mark = self._state(complete=False)

    def fail(self, what: str, exc: OSError) -> None:
        """Say that `what` could not be written; once, and no row is written after."""
        if self.file_error is None:
            self.file_error = f"the {what} could not be written: {exc.strerror or exc}"
            self._failed(self.file_error)

    def _write_row(self, item: InputItem, settled: Settled) -> None:
        dead_letter = self.dead_letter
        assert dead_letter is not None  # noqa: S101 - the caller checked
        if self.file_error is None:
            try:
                dead_letter.write(dead_letter_row(item, settled, self._json(item.record)))
            except OSError as exc:
                # The row was cut back whole: resume from this record, which has none.
                self.freeze()
                self.fail(f"dead letter {str(dead_letter.path)!r}", exc)
            else:
                return
        self.unwritten += 1

    def _hand_row(self, item: InputItem, settled: Settled) -> None:
        sink = self._sink
        assert sink is not None  # noqa: S101 - the caller checked
        if self.file_error is None:
            try:
                sink(dead_letter_row(item, settled, self._json(item.record)))
            except Exception as exc:
                # The row is lost to the sink: stop as a full disk would, resumable from here.
                logger.exception("%s: the dead-letter callable raised", self._resource)
                self.freeze()
                self.fail("dead letter (a callable)", OSError(f"{type(exc).__name__}"))
            else:
                return
        self.unwritten += 1

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

    def _check_digest(self, resume: CheckpointState) -> None:
        if self._digest.hexdigest() != resume.digest:
            msg = (
                f"the input differs from the one the checkpoint {str(self.checkpoint_path)!r} "
                f"was written for (its first {resume.position} records changed): give "
                "the same input, or delete the checkpoint to start afresh"
            )
            raise CheckpointError(msg)
        self._verified = True

    # -- saving -----------------------------------------------------------------------------

    def _state(self, *, complete: bool) -> CheckpointState:
        counts = {outcome.value: count for outcome, count in self.counts.items() if count}
        dead_letter = self.dead_letter
        return CheckpointState(
            resource=self._resource,
            scope=self._scope,
            position=self.position,
            digest=self._digest.hexdigest(),
            counts=counts,
            dead_letter=None if dead_letter is None else str(dead_letter.path),
            dead_letter_offset=0 if dead_letter is None else dead_letter.offset,
            complete=complete,
        )

    def save_if_due(self) -> None:
        """Start saving the checkpoint, if the interval since the last save has passed."""
        if self.checkpoint_path is None:
            return
        now = time.monotonic()
        if now - self._last_save < self._checkpoint_interval:
            return
        self._last_save = now
        if self._saving is None or self._saving.done():
            self._saving = asyncio.get_running_loop().create_task(self._save())

    def _checkpoint_now(self, *, complete: bool) -> Callable[[], None] | None:
        """Take the state to save now; return the blocking part (durable writes) to run."""
        path = self.checkpoint_path
        if path is None or not self._verified:
            return None
        state = self.mark if self.mark is not None else self._state(complete=complete)
        dead_letter = self.dead_letter
        if dead_letter is not None:
            dead_letter.flush()

        def write() -> None:
            if dead_letter is not None:
                dead_letter.sync()  # the rows first, then the checkpoint that counts on them
            state.save(path)

        return write

    async def _save(self) -> None:
        write = self._checkpoint_now(complete=False)
        if write is None:
            return
        try:
            await anyio.to_thread.run_sync(write)
        except OSError as exc:
            # Never silent: a run that cannot save its resumable point stops sending.
            self.fail(f"checkpoint {str(self.checkpoint_path)!r}", exc)

    async def finish(self, *, complete: bool) -> None:
        """Save the checkpoint one last time (`complete`: every record is final) and close."""
        saving = self._saving
        if saving is not None and not saving.done():
            # Cancelled or not, the last save below must not overlap the one in flight.
            with contextlib.suppress(BaseException):
                await asyncio.shield(saving)
        try:
            # On the loop's thread, not a worker's: this must happen even when the run is
            # being cancelled, and it is the run's last act.
            write = self._checkpoint_now(complete=complete and self.mark is None)
            if write is not None:
                try:
                    write()
                except OSError as exc:  # the checkpoint on disk is the last one saved, whole
                    self.fail(f"checkpoint {str(self.checkpoint_path)!r}", exc)
        finally:
            self.close()

    def close(self) -> None:
        """Close the files and release the lock (idempotent)."""
        try:
            if self.dead_letter is not None:
                # A resume refused for another input leaves the dead letter as it found it.
                self.dead_letter.close(keep_tail=not self._verified)
            if self._journal is not None:
                self._journal.close()
        finally:
            if self._lock is not None:
                self._lock.release()
