"""`ResultStream`: a bulk push's per-record results as an async iterator, while the push runs.

And its blocking twin, `BlockingResultStream`, which `blocking_iter` derives.

The push runs in a task of its own; its ``on_result`` puts each `RecordResult` on an anyio
memory stream, which the consumer reads in input order. Memory stays bounded without dropping
a result: while `buffer` results wait unread, the run reads no further record (`gated`), so the
consumer's pace slows the run. What waits is then at most `buffer` plus the records the run
already had in flight (its ``concurrency``, at most its ``max_pending``).
"""

from __future__ import annotations

import asyncio
import math
import operator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Self

import anyio
from anyio import EndOfStream, create_memory_object_stream

from shopbridge.core._twins import BlockingResource, Twin

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
    from types import TracebackType

    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from shopbridge.core._blocking import BlockingFacade
    from shopbridge.core.bulk._report import BulkReport, RecordResult
    from shopbridge.core.bulk._sources import InputItem

__all__ = [
    "DEFAULT_BUFFER",
    "BlockingResultStream",
    "ResultStream",
    "blocking_iter",
    "stream_results",
]

_P = ParamSpec("_P")

DEFAULT_BUFFER = 16
"""Results that may wait unread before the run stops reading records."""


class ResultStream:
    """Each record's `RecordResult`, in input order, while the push runs; then its `report`.

    ::

        async with kanal.orders.stream_many(rows) as results:
            async for result in results:
                mark_synced(result.position, result.done)
        print(results.report.counts)

    The push starts at the first ``anext``. The iteration ends when the run does: `report` is
    then its `BulkReport`, and an error of the run (`InputError`, `CheckpointError`...) is
    raised by the ``anext`` that follows the last result. Leaving early (``break``, an error)
    inside ``async with`` (or calling `aclose`) cancels the run, which settles nothing more; a
    run's checkpoint still says where to resume.

    Args:
        push: starts the push with the given ``on_result`` (the resource's ``push_many``).
        on_result: the caller's own ``on_result``, called too, first.
        buffer: results that may wait unread before the run stops reading records.
    """

    report: BulkReport | None
    """The run's report, once the iteration has ended (``None`` before)."""

    def __init__(
        self,
        push: Callable[[ResultStream], Awaitable[BulkReport]],
        *,
        on_result: Callable[[RecordResult], None] | None = None,
        buffer: int = DEFAULT_BUFFER,
    ) -> None:
        self.report = None
        self._push = push
        self._on_result = on_result
        self._buffer = buffer
        # Made at the start: a stream never started holds no memory stream to close.
        self._streams: tuple[MemoryObjectSendStream[Any], MemoryObjectReceiveStream[Any]] | None
        self._streams = None
        self._taken: anyio.Event | None = None
        self._task: asyncio.Task[BulkReport] | None = None
        self._closed = False

    def __call__(self, result: RecordResult) -> None:
        """The run's ``on_result``: never blocks, since `gated` keeps the buffer bounded."""
        if self._on_result is not None:
            self._on_result(result)
        assert self._streams is not None  # noqa: S101 - the run starts after them
        self._streams[0].send_nowait(result)

    async def gated(self, items: AsyncIterator[InputItem]) -> AsyncIterator[InputItem]:
        """`items`, each read only while fewer than `buffer` results wait unread."""
        assert self._streams is not None  # noqa: S101 - the run starts after them
        receive = self._streams[1]
        async for item in items:
            while receive.statistics().current_buffer_used >= self._buffer:
                taken = self._taken = self._taken or anyio.Event()
                await taken.wait()
            yield item

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> RecordResult:
        if self._closed:
            raise StopAsyncIteration
        task = self._task
        if task is None:
            self._streams = create_memory_object_stream[Any](max_buffer_size=math.inf)
            task = self._task = asyncio.get_running_loop().create_task(self._run())
        assert self._streams is not None  # noqa: S101 - made with the task
        receive = self._streams[1]
        try:
            result: RecordResult = await receive.receive()
        except EndOfStream:
            receive.close()
            self.report = await task  # the run's error, if it raised, raises here
            raise StopAsyncIteration from None
        taken, self._taken = self._taken, None
        if taken is not None:
            taken.set()
        return result

    async def _run(self) -> BulkReport:
        assert self._streams is not None  # noqa: S101 - made with the task
        async with self._streams[0]:
            return await self._push(self)

    async def aclose(self) -> None:
        """Cancel the run if it is still going (idempotent)."""
        self._closed = True
        task = self._task
        if self._streams is not None:
            self._streams[1].close()
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # our own cancellation, not only the run's
            except Exception:  # noqa: BLE001, S110 - cancelled by us: its end is not the caller's error
                pass

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def stream_results(
    push_many: Callable[..., Awaitable[BulkReport]], records: object, options: Mapping[str, Any]
) -> ResultStream:
    """The `ResultStream` of ``push_many(records, **options)``: what every ``stream_many`` is."""
    rest = dict(options)
    own = rest.pop("on_result", None)
    return ResultStream(lambda sink: push_many(records, **rest, on_result=sink), on_result=own)


class BlockingResultStream:
    """A `ResultStream` read from blocking code: each `RecordResult`, in input order.

    Each ``next()`` is one call on the client's event loop, which runs the push until the next
    result is settled (on a loop of its own thread, the push goes on meanwhile, a few results
    ahead at most). After the last result, `report` is the run's `BulkReport`. Use it in a
    ``with`` block (or call `close`) to cancel the run when leaving early::

        with kanal.orders.stream_many("orders.jsonl") as results:
            for result in results:
                mark_synced(result.position, result.done)
        print(results.report.counts)
    """

    report: BulkReport | None
    """The run's report, once the iteration has ended (``None`` before)."""

    def __init__(self, facade: BlockingFacade[Any], start: Callable[[Any], ResultStream]) -> None:
        self.report = None
        self._facade = facade
        self._start = start
        self._results: ResultStream | None = None
        self._ended = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> RecordResult:
        if self._ended:
            raise StopIteration
        results = self._results
        if results is None:
            results = self._results = self._facade._call(self._started)

        async def step(_client: Any) -> tuple[bool, Any]:
            # StopAsyncIteration must not end a task (asyncio refuses it as a result).
            try:
                return True, await results.__anext__()
            except StopAsyncIteration:
                return False, None

        try:
            more, result = self._facade._call(step)
        except BaseException:
            self._ended = True
            raise
        if not more:
            self._ended = True
            self.report = results.report
            raise StopIteration
        return result  # type: ignore[no-any-return]

    async def _started(self, client: Any) -> ResultStream:
        return self._start(client)

    def close(self) -> None:
        """Cancel the run if it is still going (idempotent)."""
        results, self._ended = self._results, True
        if results is not None and results.report is None and not self._facade.closed:
            self._facade._call(lambda _client: results.aclose())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _run_iter(
    resource: BlockingResource,
    method: Callable[..., ResultStream],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> BlockingResultStream:
    target = operator.attrgetter(resource._name)
    return BlockingResultStream(
        resource._facade, lambda client: method(target(client), *args, **kwargs)
    )


def blocking_iter(
    method: Callable[Concatenate[Any, _P], ResultStream],
) -> Twin[_P, BlockingResultStream]:
    """The blocking twin of a ``stream_many``: a plain iterator of its results.

    Its records are read on the client's event loop: a path or a list (any collection) is
    safe; a database cursor bound to its thread should be read into a list first.
    """
    return Twin(
        method,
        _run_iter,
        returns="BlockingResultStream",
        note="Pass a path or a list: the records are read on the client's event-loop thread, "
        "and ``on_result`` / ``on_progress`` are called there.",
    )
