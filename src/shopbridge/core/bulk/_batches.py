"""Batches for the bulk runner: many records to a request, one outcome to each record.

The runner (`shopbridge.core.bulk._push.run_bulk`) settles one record per call of its
``handle``. `BatchingHandle` is such a handle for a bulk endpoint: it gathers the records it is
given into batches, sends each batch as one request, and settles every record of it with an
outcome of its own, so the runner's accounting (dead letter, checkpoint, progress, one outcome
per record) is the same as for one request per record:

* a batch is sent when it holds ``size`` records, or ``linger`` seconds after its first record
  joined it: when the input runs dry, or the runner waits for an earlier record of the same key,
  a partial batch does not wait for records that are not coming;
* a batch refused as a whole (`BulkOutcome.REJECTED`: a 422, a 413 too large, or the client's
  own validation) is split, so that one bad record never takes its neighbours down with it. The
  records the refusal's field errors name by index (``3.price``) are rejected with their own
  errors, and the others are sent again as one batch; a refusal that names no record is split in
  halves (bisected), down to the record alone, whose refusal is then its own;
* any other outcome (done, refused credentials, gave up...) is every record's of the batch.

A batch is one request, so the runner's ``concurrency`` (records in flight) is ``size`` times
the requests in flight: `batch_options` says so to the runner.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import attrs

from shopbridge.core._errors import ConfigurationError
from shopbridge.core.bulk._push import DEFAULT_CONCURRENCY, DEFAULT_MAX_PENDING
from shopbridge.core.bulk._report import BulkOutcome, Settled

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from shopbridge.core.bulk._push import PushOptions
    from shopbridge.core.sansio._outcome import FieldErrors

    Named = Callable[[FieldErrors, int], Mapping[int, Mapping[str, Any]] | None]
    """A refusal's field errors by the index of the record they name."""

__all__ = ["DEFAULT_LINGER", "BatchingHandle", "batch_options", "records_named", "settle_batch"]

DEFAULT_LINGER = 0.05
"""Seconds a partial batch waits for more records after its first one joined it."""


def records_named(field_errors: FieldErrors, count: int) -> dict[int, dict[str, list[str]]] | None:
    """The field errors of a list body, by the index of the record they name.

    ``{"3.price": [...], "0": [...]}`` is ``{3: {"price": [...]}, 0: {"": [...]}}``; ``None``
    when a path does not start with the index of one of the `count` records (the refusal is
    about the whole body), or when there are none.
    """
    named: dict[int, dict[str, list[str]]] = {}
    for path, messages in field_errors.items():
        head, _, rest = path.partition(".")
        if not (head.isascii() and head.isdigit()) or int(head) >= count:
            return None
        named.setdefault(int(head), {})[rest] = list(messages)
    return named or None


async def settle_batch(
    records: Sequence[Any],
    send: Callable[[list[Any]], Awaitable[Settled]],
    *,
    named: Named = records_named,
) -> list[Settled]:
    """Send `records` as one batch, splitting it while it is refused; one outcome per record.

    Args:
        records: the batch.
        send: sends a batch as one request and says how it ended (never raising for an
            API answer).
        named: the refusal's field errors by record index (see `records_named`).

    Returns:
        The outcome of each record, in the order of `records`.
    """
    batch = list(records)
    settled = await send(batch)
    if settled.outcome is not BulkOutcome.REJECTED or len(batch) == 1:
        return [settled] * len(batch)
    by_record = named(settled.field_errors, len(batch))
    if not by_record:
        # The refusal names no record (a 413, a body-level error): halve until it does.
        half = len(batch) // 2
        first = await settle_batch(batch[:half], send, named=named)
        return first + await settle_batch(batch[half:], send, named=named)
    results: list[Settled | None] = [None] * len(batch)
    for index, errors in by_record.items():
        results[index] = attrs.evolve(settled, field_errors=errors)
    rest = [index for index in range(len(batch)) if index not in by_record]
    if rest:
        again = await settle_batch([batch[index] for index in rest], send, named=named)
        for index, outcome in zip(rest, again, strict=True):
            results[index] = outcome
    return [outcome for outcome in results if outcome is not None]


_Entry = tuple[Any, "asyncio.Future[Settled]"]


class BatchingHandle:
    """A runner ``handle`` that sends the records it is given in batches (module docstring).

    Args:
        send: sends a batch as one request and says how it ended (never raising for an API
            answer); a record's own validation failure before sending is a refusal like any.
        size: records per batch at most.
        linger: seconds a partial batch waits for more records after its first one.
        named: a refusal's field errors by record index (see `records_named`).
    """

    def __init__(
        self,
        send: Callable[[list[Any]], Awaitable[Settled]],
        *,
        size: int,
        linger: float = DEFAULT_LINGER,
        named: Named = records_named,
    ) -> None:
        self._send = send
        self._size = size
        self._linger = linger
        self._named = named
        self._pending: list[_Entry] = []
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def __call__(self, record: Any) -> Settled:
        """Add `record` to the next batch; its outcome once that batch is settled."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Settled] = loop.create_future()
        self._pending.append((record, future))
        if len(self._pending) >= self._size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._linger, self._flush)
        # Cancelled here (the run stopping), the future is cancelled too: a record not sent yet
        # is then left out of its batch, and a batch nobody waits for any more is cancelled.
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        entries = [(record, future) for record, future in self._pending if not future.done()]
        self._pending = []
        if not entries:
            return
        task = asyncio.get_running_loop().create_task(self._settle(entries))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        futures = [future for _, future in entries]

        def abandon(_: asyncio.Future[Settled]) -> None:
            if not task.done() and all(future.cancelled() for future in futures):
                task.cancel()

        for future in futures:
            future.add_done_callback(abandon)

    async def _settle(self, entries: list[_Entry]) -> None:
        try:
            outcomes = await settle_batch(
                [record for record, _ in entries], self._send, named=self._named
            )
        except Exception as exc:  # noqa: BLE001 - each record's wait raises it, and says it
            for _, future in entries:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), outcome in zip(entries, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


def batch_options(options: PushOptions, size: object) -> PushOptions:
    """`options` for the runner when each request carries `size` records.

    ``concurrency`` stays the requests in flight (default 8); the runner counts records, so it
    is given ``size`` times as many, and ``max_pending`` at least that.

    Raises:
        ConfigurationError: `size`, ``concurrency`` or ``max_pending`` is out of range.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        msg = f"batch_size must be a whole number >= 1, got {size!r}"
        raise ConfigurationError(msg)
    requests = options.get("concurrency", DEFAULT_CONCURRENCY)
    if requests < 1:
        msg = f"concurrency must be a whole number >= 1, got {requests!r}"
        raise ConfigurationError(msg)
    in_flight = requests * size
    pending = options.get("max_pending")
    if pending is None:
        pending = max(DEFAULT_MAX_PENDING, in_flight)
    elif pending < in_flight:
        msg = (
            f"max_pending ({pending}) must be at least concurrency x batch_size ({requests} x "
            f"{size} = {in_flight} records in flight)"
        )
        raise ConfigurationError(msg)
    return {**options, "concurrency": in_flight, "max_pending": pending}
