"""The blocking facade: an async client driven through one anyio blocking portal.

One portal (an event loop on its own thread) per client, started on ``with`` or on the first
call, holding the async client and its aiohttp session, which are created inside that loop.
Every blocking method is one `portal.start_task_soon` on it. The facade:

* works from a thread whose own event loop is running (a notebook cell): the call runs on the
  portal's loop; a `BlockingCallInEventLoopWarning` says, once, that the caller's loop blocks;
* cancels the call in flight when the caller is interrupted (Ctrl-C), instead of leaving it
  running on the portal thread;
* releases everything on `close()`, at the end of a ``with`` block, or at interpreter exit;
* never reuses its parent's portal in a forked child: the child starts its own on first use.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import operator
import os
import sys
import threading
import types
import warnings
import weakref
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, ExitStack
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

from anyio import BrokenResourceError, ClosedResourceError, create_memory_object_stream
from anyio.from_thread import start_blocking_portal

from shopbridge.core._errors import BlockingCallInEventLoopWarning

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from types import TracebackType

    from anyio.from_thread import BlockingPortal

__all__ = ["BlockingFacade", "BlockingResource", "Twin", "blocking", "blocking_feed"]

_A = TypeVar("_A", bound=AbstractAsyncContextManager[Any])
_R = TypeVar("_R")
_P = ParamSpec("_P")


_FEED_BATCH = 256
"""Records handed from the caller's thread to the portal's loop at a time."""
_FEED_BUFFER = 4
"""Batches the portal's loop may hold before the caller's thread waits: bounded memory."""

_ABANDONED_AFTER_FORK: list[object] = []
"""What a forked child inherited from its parent's portals: never closed, never collected."""


def _shutdown(stack: ExitStack, owner_pid: int) -> None:
    # A forked child inherits the parent's objects but not its portal thread: closing them
    # there would wait forever on a loop that does not run.
    if os.getpid() == owner_pid:
        stack.close()


class BlockingFacade(Generic[_A]):
    """Base of the blocking clients.

    Args:
        make_async: builds the async client; called on the portal's thread, so the client and
            its session belong to the portal's loop.
    """

    def __init__(self, make_async: Callable[[], _A]) -> None:
        self._make_async = make_async
        self._lock = threading.Lock()
        self._portal: BlockingPortal | None = None
        self._async: _A | None = None
        self._pid: int | None = None
        self._finalizer: weakref.finalize[[ExitStack, int], BlockingFacade[Any]] | None = None
        self._closed = False
        self._warned = False

    def __enter__(self) -> Self:
        self._started()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._closed

    def close(self) -> None:
        """Close the async client and stop the portal (idempotent)."""
        with self._lock:
            self._closed = True
            finalizer, self._finalizer = self._finalizer, None
            self._portal = None
            self._async = None
        if finalizer is not None:
            finalizer()

    def _started(self) -> tuple[BlockingPortal, _A]:
        with self._lock:
            if self._closed:
                msg = f"this {type(self).__name__} is closed; create a new one"
                raise RuntimeError(msg)
            pid = os.getpid()
            if self._pid != pid and self._finalizer is not None:
                # Forked: the parent's portal thread does not exist here. Forget it unclosed,
                # and keep it referenced: collected, its generator's cleanup would wait
                # forever on the missing thread.
                _ABANDONED_AFTER_FORK.append(self._finalizer.detach())
                self._finalizer = None
                self._portal = None
                self._async = None
            if self._portal is None or self._async is None:
                self._start(pid)
            assert self._portal is not None  # noqa: S101 - _start() set both
            assert self._async is not None  # noqa: S101
            return self._portal, self._async

    def _start(self, pid: int) -> None:
        stack = ExitStack()
        try:
            portal = stack.enter_context(
                start_blocking_portal("asyncio", name=f"shopbridge-{type(self).__name__}")
            )
            client = portal.call(self._build_async)
            stack.enter_context(portal.wrap_async_context_manager(client))
        except BaseException:
            stack.close()
            raise
        self._portal, self._async, self._pid = portal, client, pid
        self._finalizer = weakref.finalize(self, _shutdown, stack, pid)

    async def _build_async(self) -> _A:
        return self._make_async()

    def _call(self, call: Callable[[_A], Awaitable[_R]]) -> _R:
        """Run ``await call(async_client)`` on the portal and return its result."""
        portal, client = self._started()
        if not self._warned:
            self._warn_if_in_event_loop()
        future = portal.start_task_soon(call, client)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # Ctrl-C: cancel the call on the portal, do not leave it running
            raise

    def _call_with_records(
        self, call: Callable[[_A, Any, int | None], Awaitable[_R]], records: Any
    ) -> _R:
        """Run ``await call(async_client, records, size)`` with a sync iterable read here.

        `size` is ``len(records)`` for a sized collection (for progress), else ``None``.

        A path or an async iterable goes to the portal as it is. A sync iterable (a database
        cursor, a generator) is iterated here, in the caller's thread, where it belongs (a
        sqlite cursor may not be used from another one), and handed over in batches through a
        bounded stream: the portal never holds more than a few batches.
        """
        if isinstance(records, str | os.PathLike) or hasattr(records, "__aiter__"):
            return self._call(lambda client: call(client, records, None))
        size = len(records) if hasattr(records, "__len__") else None
        portal, client = self._started()
        if not self._warned:
            self._warn_if_in_event_loop()
        send, receive = create_memory_object_stream[list[Any]](max_buffer_size=_FEED_BUFFER)

        async def fed() -> AsyncIterator[Any]:
            async with receive:
                async for batch in receive:
                    for record in batch:
                        yield record

        async def run(client: _A) -> _R:
            try:
                return await call(client, fed(), size)
            finally:
                receive.close()  # a run that ends early unblocks the feeding thread

        future = portal.start_task_soon(run, client)
        try:
            iterator = iter(records)
            while batch := list(itertools.islice(iterator, _FEED_BATCH)):
                try:
                    portal.call(send.send, batch)
                except (BrokenResourceError, ClosedResourceError):
                    break  # the run ended early: its result (or error) says why
            portal.call(send.aclose)
            result: _R = future.result()
        except BaseException:
            future.cancel()  # Ctrl-C: cancel the run on the portal, do not leave it running
            raise
        return result

    def _warn_if_in_event_loop(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._warned = True
        warnings.warn(
            f"{type(self).__name__} was called on a thread whose event loop is running; the "
            "call works but blocks that loop until it returns. In async code, use the Async "
            "client instead.",
            BlockingCallInEventLoopWarning,
            stacklevel=_caller_level(),
        )


def _caller_level() -> int:
    """The `warnings.warn` stack level of the first frame outside this module."""
    # Python 3.12's skip_file_prefixes does this; 3.11 is supported, so the frames are walked.
    frame: types.FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    return level


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
