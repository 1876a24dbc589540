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
import os
import threading
import warnings
import weakref
from contextlib import AbstractAsyncContextManager, ExitStack
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from anyio.from_thread import start_blocking_portal

from shopbridge.core.errors import BlockingCallInEventLoopWarning

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from types import TracebackType

    from anyio.from_thread import BlockingPortal

__all__ = ["BlockingFacade"]

_A = TypeVar("_A", bound=AbstractAsyncContextManager[Any])
_R = TypeVar("_R")


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
            stacklevel=4,
        )
