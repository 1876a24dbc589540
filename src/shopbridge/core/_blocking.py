"""The blocking facade: an async client driven on an event loop that the blocking client owns.

Each blocking client owns one event loop (`PrivateLoop`), started on ``with`` or on the first
call, holding the async client and its aiohttp session, which are created inside that loop.
The cheapest correct way runs each call:

* from a thread with no running loop, while no other thread is using the client: the call runs
  on the private loop right there, in the caller's thread (no thread hop, which costs two
  cross-thread wake-ups per call);
* otherwise (another thread's call is in flight, or the caller's thread runs a loop of its
  own, as in a notebook cell): the private loop moves to a thread of its own, where one anyio
  blocking portal takes every call from then on. The same loop, so the same session and
  pacing. A `BlockingCallInEventLoopWarning` says, once, that a caller's running loop blocks.

Either way the facade:

* cancels the call in flight when the caller is interrupted (Ctrl-C), instead of leaving it
  running;
* releases everything on `close()`, at the end of a ``with`` block, or at interpreter exit;
* never reuses its parent's loop or portal in a forked child: the child starts its own on
  first use.
"""

from __future__ import annotations

import asyncio
import copy
import os
import sys
import threading
import warnings
import weakref
from concurrent.futures import Future
from contextlib import AbstractAsyncContextManager
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    ParamSpec,
    Self,
    TypeVar,
)

from anyio import BrokenResourceError, ClosedResourceError, create_memory_object_stream
from anyio.from_thread import BlockingPortal
from attrs import evolve

from shopbridge.core._errors import BlockingCallInEventLoopWarning
from shopbridge.core._feed import FEED_BUFFER, batches, not_a_cursor
from shopbridge.core._private_loop import PrivateLoop

if TYPE_CHECKING:
    import types
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
    from types import TracebackType

    from shopbridge.core.sansio._policy import RetryPolicy

__all__ = ["BlockingFacade"]

_A = TypeVar("_A", bound=AbstractAsyncContextManager[Any])
_R = TypeVar("_R")
_P = ParamSpec("_P")


_ABANDONED_AFTER_FORK: list[object] = []
"""What a forked child inherited from its parent's loops: never closed, never collected."""

_NOT_RUN: Any = object()
"""What `BlockingFacade._run_here` returns when the call must go through the portal."""


class _Running(Generic[_A]):
    """What one start built: the private loop, the async client on it, its portal once served."""

    __slots__ = ("client", "loop", "pid", "portal")

    def __init__(self, loop: PrivateLoop, client: _A, pid: int) -> None:
        self.loop = loop
        self.client = client
        self.pid = pid
        self.portal: BlockingPortal | None = None


def _serve(loop: PrivateLoop, name: str) -> BlockingPortal:
    """Move `loop` to a thread of its own, with a portal on it; the caller holds ``loop.busy``."""
    ready: Future[BlockingPortal] = Future()

    async def main() -> None:
        try:
            async with BlockingPortal() as portal:
                ready.set_result(portal)
                await portal.sleep_until_stopped()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    loop.serve(main, name=name)
    return ready.result()


def _shutdown(running: _Running[Any]) -> None:
    # A forked child inherits the parent's objects but not its loop's thread, sockets it may
    # share, nor a selector of its own: closing them there would hang or break the parent's.
    if os.getpid() != running.pid:
        return
    if asyncio._get_running_loop() is not None:
        # The private loop cannot run (for its last clean-up) in a thread whose own loop runs
        # (closed, or collected, inside async code): close it from a thread of its own.
        closer = threading.Thread(target=_close, args=(running,), name="shopbridge-close")
        closer.start()
        closer.join()
        return
    _close(running)


def _close(running: _Running[Any]) -> None:
    loop, portal, client = running.loop, running.portal, running.client
    try:
        if portal is not None:
            try:
                portal.call(client.__aexit__, None, None, None)
            finally:
                portal.call(portal.stop)  # waits for the tasks still running on it
                loop.join()
        else:
            with loop.busy:
                loop.run(client.__aexit__(None, None, None))
    finally:
        loop.close()


class BlockingFacade(Generic[_A]):
    """Base of the blocking clients.

    Args:
        make_async: builds the async client; called on the client's event loop, so the client
            and its session belong to that loop.
    """

    def __init__(self, make_async: Callable[[], _A]) -> None:
        self._make_async = make_async
        self._lock = threading.Lock()
        self._running: _Running[_A] | None = None
        self._finalizer: weakref.finalize[[_Running[_A]], BlockingFacade[_A]] | None = None
        self._closed = False
        self._warned = False
        self._root: BlockingFacade[_A] | None = None
        self._options: tuple[Mapping[str, Any], ...] = ()
        self._async_view: tuple[_A, _A] | None = None

    retry: RetryPolicy
    """The retry policy of this client's calls."""

    def with_options(
        self, *, retry: RetryPolicy | None = None, timeout: float | None = None
    ) -> Self:
        """A view of this client with another retry policy or attempt timeout, for some calls.

        Every call of the view runs on the async client's ``with_options(...)`` view, on this
        client's event loop: it shares the session, the pacer and the counters, costs no
        connection, and closing it closes nothing (close the client itself, which closes its
        views)::

            patient = kanal.with_options(retry=RetryPolicy(max_attempts=20, deadline=600))
            patient.orders.upsert(order)

        Args:
            retry: the retry policy of the view's calls (default: this client's).
            timeout: the time limit of each attempt, in seconds (``RetryPolicy.attempt_timeout``).
        """
        policy = retry if retry is not None else self.retry
        if timeout is not None:
            policy = evolve(policy, attempt_timeout=timeout)
        view = self._view(retry=retry, timeout=timeout)
        view.retry = policy
        return view

    def _view(self, **options: Any) -> Self:
        """A view whose calls run on ``async_client.with_options(**options)``.

        It shares its root's event loop, async client and session: it starts, forks and closes
        with its root, and closing the view closes nothing.
        """
        view = copy.copy(self)
        view._root = self._root or self
        view._options = (*self._options, options)
        view._async_view = None
        view._running = None
        view._finalizer = None
        view._lock = threading.Lock()
        for name, value in vars(view).items():
            if getattr(value, "_facade", None) is self:  # a blocking resource of this client
                resource = copy.copy(value)
                resource._facade = view
                setattr(view, name, resource)
        return view

    def _client_of(self, client: _A) -> _A:
        """`client` (the root's async client) as this facade's calls see it."""
        if self._root is None:
            return client
        cached = self._async_view
        if cached is not None and cached[0] is client:
            return cached[1]
        view = client
        for options in self._options:
            view = view.with_options(**options)  # type: ignore[attr-defined]
        self._async_view = (client, view)
        return view

    def __enter__(self) -> Self:
        self._running_now()
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
        """Whether `close()` was called (on a `with_options` view: on its client)."""
        return self._closed if self._root is None else self._root.closed

    def close(self) -> None:
        """Close the async client and stop its event loop (idempotent).

        A `with_options` view closes nothing: its loop and session are its client's.
        """
        if self._root is not None:
            return
        with self._lock:
            self._closed = True
            finalizer, self._finalizer = self._finalizer, None
            self._running = None
        if finalizer is not None:
            finalizer()

    def _started(self) -> tuple[PrivateLoop, _A]:
        """Start the client (once) and return its event loop and its async client."""
        running = self._running_now()
        return running.loop, self._client_of(running.client)

    def _running_now(self) -> _Running[_A]:
        if self._root is not None:
            return self._root._running_now()
        running = self._running
        if running is not None and running.pid == os.getpid():
            return running  # the common case, without the lock
        with self._lock:
            if self._closed:
                msg = f"this {type(self).__name__} is closed; create a new one"
                raise RuntimeError(msg)
            pid = os.getpid()
            if self._running is not None and self._running.pid != pid:
                # Forked: the parent's loop is not ours to run or close. Forget it, and keep
                # it referenced: collected, its cleanup would touch the parent's resources.
                if self._finalizer is not None:
                    _ABANDONED_AFTER_FORK.append(self._finalizer.detach())
                _ABANDONED_AFTER_FORK.append(self._running)
                self._finalizer = None
                self._running = None
            if self._running is None:
                self._running = self._start(pid)
                self._finalizer = weakref.finalize(self, _shutdown, self._running)
            return self._running

    def _start(self, pid: int) -> _Running[_A]:
        loop = PrivateLoop()
        try:
            if asyncio._get_running_loop() is not None:
                # The caller's thread runs a loop: ours can only run on a thread of its own.
                with loop.busy:
                    portal = _serve(loop, self._thread_name)
                client = portal.call(self._build_async)
                portal.call(client.__aenter__)
                running = _Running(loop, client, pid)
                running.portal = portal
                return running
            with loop.busy:
                client = loop.run(self._build_async())
                loop.run(client.__aenter__())
            return _Running(loop, client, pid)
        except BaseException:
            if loop.served:
                loop.loop.call_soon_threadsafe(loop.loop.stop)
                loop.join()
            loop.close()
            raise

    @property
    def _thread_name(self) -> str:
        return f"shopbridge-{type(self).__name__}"

    async def _build_async(self) -> _A:
        return self._make_async()

    def _portal(self, running: _Running[_A]) -> BlockingPortal:
        """The portal of `running`'s loop, moving the loop to its own thread on first use."""
        if self._root is not None:
            return self._root._portal(running)
        portal = running.portal
        if portal is None:
            with self._lock:
                portal = running.portal
                if portal is None:
                    with running.loop.busy:  # wait for the call another thread runs on it
                        portal = running.portal = _serve(running.loop, self._thread_name)
        return portal

    def _run_here(self, running: _Running[_A], start: Callable[[], Awaitable[_R]]) -> _R:
        """Run ``await start()`` in this thread, or return `_NOT_RUN` if it must go elsewhere."""
        here = asyncio._get_running_loop()
        if here is not None:
            if here is running.loop.loop:
                msg = (
                    f"a blocking {type(self).__name__} cannot be called from its own event "
                    "loop (an on_progress callback, say): call the async client there"
                )
                raise RuntimeError(msg)
            if not self._warned:
                self._warn_in_event_loop()
            return _NOT_RUN  # type: ignore[no-any-return]  # the sentinel, checked by callers
        busy = running.loop.busy
        if running.portal is None and busy.acquire(blocking=False):
            try:
                if running.portal is None:  # not moved to its thread since the check above
                    return running.loop.run(start())
            finally:
                busy.release()
        return _NOT_RUN  # type: ignore[no-any-return]

    def _call(self, call: Callable[[_A], Awaitable[_R]]) -> _R:
        """Run ``await call(async_client)`` on the client's event loop and return its result."""
        running = self._running_now()
        client = self._client_of(running.client)
        result = self._run_here(running, lambda: call(client))
        if result is not _NOT_RUN:
            return result
        future = self._portal(running).start_task_soon(call, client)
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

        A path or an async iterable goes to the event loop as it is. A sync iterable (a
        database cursor, a generator) is iterated in the caller's thread, where it belongs (a
        sqlite cursor may not be used from another one): as it is, when the loop runs in this
        thread; else handed over to the portal in batches through a bounded stream, so that
        the portal never holds more than a few batches.
        """
        if isinstance(records, str | os.PathLike) or hasattr(records, "__aiter__"):
            return self._call(lambda client: call(client, records, None))
        size = len(records) if hasattr(records, "__len__") else None
        if not_a_cursor(records):
            # A DataFrame (whose iteration gives its column names), a mapping, an int: the
            # runner reads the one by its rows, refuses the others with what to pass instead.
            return self._call(lambda client: call(client, records, size))
        running = self._running_now()
        client = self._client_of(running.client)
        result = self._run_here(running, lambda: call(client, records, size))
        if result is not _NOT_RUN:
            return result
        portal = self._portal(running)
        send, receive = create_memory_object_stream[list[Any] | Exception](
            max_buffer_size=FEED_BUFFER
        )

        async def fed() -> AsyncIterator[Any]:
            async with receive:
                async for batch in receive:
                    if isinstance(batch, Exception):
                        # The source raised here: raised on the loop in its turn, as the
                        # async path does, so that what it gave first is settled and saved.
                        raise batch
                    for record in batch:
                        yield record

        async def run(client: _A) -> _R:
            try:
                return await call(client, fed(), size)
            finally:
                receive.close()  # a run that ends early unblocks the feeding thread

        future = portal.start_task_soon(run, client)
        try:
            for batch in batches(records):
                try:
                    portal.call(send.send, batch)
                except (BrokenResourceError, ClosedResourceError):
                    break  # the run ended early: its result (or error) says why
            portal.call(send.aclose)
            result = future.result()
        except BaseException:
            future.cancel()  # Ctrl-C: cancel the run on the portal, do not leave it running
            raise
        return result

    def _warn_in_event_loop(self) -> None:
        self._warned = True
        warnings.warn(
            f"{type(self).__name__} was called on a thread whose event loop is running; the "
            "call works but blocks that loop until it returns. In async code, use the Async "
            "client instead.",
            BlockingCallInEventLoopWarning,
            stacklevel=_caller_level(),
        )


_FACADE_FILES = frozenset(
    {__file__, os.path.join(os.path.dirname(__file__), "_twins.py")}  # noqa: PTH118, PTH120 - as co_filename spells it
)


def _caller_level() -> int:
    """The `warnings.warn` stack level of the first frame outside the facade and its twins."""
    # Python 3.12's skip_file_prefixes does this; 3.11 is supported, so the frames are walked.
    frame: types.FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename in _FACADE_FILES:
        frame = frame.f_back
        level += 1
    return level
