"""Blocking methods derived from async ones: `Twin`, `blocking`, `blocking_feed`, `blocking_iter`.

A blocking resource declares each method once, from the async method it mirrors; the twin
runs it on its client's event loop (`shopbridge.core._blocking.BlockingFacade`) and keeps its
signature and docstring.
"""

from __future__ import annotations

import inspect
import operator
import types
from collections.abc import Awaitable, Callable
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Concatenate,
    Generic,
    ParamSpec,
    Self,
    TypeVar,
    overload,
)

if TYPE_CHECKING:
    from types import TracebackType

    from shopbridge.core._blocking import BlockingFacade
    from shopbridge.core.bulk._report import BulkReport, RecordResult
    from shopbridge.core.bulk._stream import ResultStream

__all__ = [
    "BlockingResource",
    "BlockingResultStream",
    "Twin",
    "blocking",
    "blocking_feed",
    "blocking_iter",
]

_R = TypeVar("_R")
_P = ParamSpec("_P")


class BlockingResource:
    """Base of a blocking resource: the twin of the async resource at `name` on the client.

    Its methods are `blocking` (or `blocking_feed`) twins declared from the async methods,
    never written again::

        class Orders(BlockingResource):
            upsert = blocking(AsyncOrders.upsert)
            push_many = blocking_feed(AsyncOrders.push_many)

    Args:
        facade: the blocking client whose event loop runs the calls.
        name: the attribute of the async client that holds the async resource.
    """

    twin_of: ClassVar[type]
    """The async resource class this one is the twin of (a test checks none is missing)."""

    def __init__(self, facade: BlockingFacade[Any], name: str) -> None:
        self._facade = facade
        self._name = name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._facade!r}>"


_Run = Callable[[BlockingResource, "Callable[..., Any]", tuple[Any, ...], dict[str, Any]], Any]


class Twin(Generic[_P, _R]):
    """A blocking method derived from an async one: its signature and docstring, not a copy.

    On a blocking resource ``resource.method(*args, **kwargs)`` runs ``await
    async_method(async_resource, *args, **kwargs)`` on the client's event loop. Static types
    follow the async method exactly (parameter names, kinds, defaults; the awaited return
    type); `inspect.signature` and `help()` show the async method's, with the return it has
    here.

    Args:
        method: the async method, taken from its class (``AsyncOrders.upsert``).
        run: how a call is run on the facade (one call, or one fed from the caller's thread).
        returns: the return annotation shown here, when it is not the async one's.
        note: a paragraph added to the docstring.
    """

    def __init__(
        self,
        method: Callable[..., Any],
        run: _Run,
        *,
        returns: str | None = None,
        note: str | None = None,
    ) -> None:
        self._method = method
        self._run = run
        self.__doc__ = _twin_doc(method.__doc__, note)
        signature = inspect.signature(method)
        if returns is not None:
            signature = signature.replace(return_annotation=returns)
        self.__signature__ = signature
        self._name = method.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._qualname = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, instance: None, owner: type) -> Callable[Concatenate[Any, _P], _R]: ...

    @overload
    def __get__(self, instance: BlockingResource, owner: type) -> Callable[_P, _R]: ...

    def __get__(
        self, instance: BlockingResource | None, owner: type
    ) -> Callable[_P, _R] | Callable[Concatenate[Any, _P], _R]:
        function = self._function()
        if instance is None:
            return function
        return types.MethodType(function, instance)

    def _function(self) -> Callable[..., Any]:
        function: Callable[..., Any] | None = self.__dict__.get("_built")
        if function is None:
            method, run = self._method, self._run

            def twin(resource: BlockingResource, /, *args: Any, **kwargs: Any) -> Any:
                return run(resource, method, args, kwargs)

            twin.__name__ = self._name
            twin.__qualname__ = getattr(self, "_qualname", self._name)
            twin.__doc__ = self.__doc__
            twin.__signature__ = self.__signature__  # type: ignore[attr-defined]
            twin.__module__ = method.__module__
            self.__dict__["_built"] = function = twin
        return function


def _twin_doc(doc: str | None, note: str | None) -> str | None:
    if note is None:
        return doc
    # Cleaned first: a note at column 0 after an indented docstring would break its indentation.
    return f"{inspect.cleandoc(doc)}\n\n{note}" if doc else note


def _run_call(
    resource: BlockingResource,
    method: Callable[..., Awaitable[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    target = operator.attrgetter(resource._name)
    return resource._facade._call(lambda client: method(target(client), *args, **kwargs))


def _run_fed(
    resource: BlockingResource,
    method: Callable[..., Awaitable[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    records, *rest = args
    target = operator.attrgetter(resource._name)

    def call(client: Any, fed: Any, size: int | None) -> Awaitable[Any]:
        options = kwargs
        if size is not None and kwargs.get("total") is None:
            options = {**kwargs, "total": size}  # a sized input shows its progress as a share
        return method(target(client), fed, *rest, **options)

    return resource._facade._call_with_records(call, records)


def blocking(method: Callable[Concatenate[Any, _P], Awaitable[_R]]) -> Twin[_P, _R]:
    """The blocking twin of an async method: one call on the client's event loop."""
    return Twin(method, _run_call)


def blocking_feed(method: Callable[Concatenate[Any, _P], Awaitable[_R]]) -> Twin[_P, _R]:
    """The blocking twin of an async method whose first argument is a stream of records.

    A path or an async iterable goes to the event loop as it is; a sync iterable (a database
    cursor, a generator) is read in the caller's thread, where it belongs, and handed over in
    bounded batches; a sized one gives the progress its ``total``.
    """
    return Twin(
        method,
        _run_fed,
        note="A sync iterable is read in the caller's thread; ``on_progress`` is called on the "
        "client's event-loop thread.",
    )


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
