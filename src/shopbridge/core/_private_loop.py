"""`PrivateLoop`: one client's own event loop, run by whichever thread calls, one call at a time.

A blocking call from a thread with no running loop runs the coroutine right there, with
`run_until_complete`: no thread hop. A cross-thread call (anyio's portal, a future resolved by
another thread) costs two wake-ups per call, several hundred microseconds each on a busy
machine; running in the caller's thread costs none.

The loop may later move to a thread of its own (`serve`), where a portal hands it the calls of
many threads or of a thread whose own loop runs; it then never comes back. Either way it is the
same loop, so the client's session, connections and pacing state stay valid.

Ctrl-C, as `asyncio.Runner` handles it: in the main thread under Python's default SIGINT handler,
the signal cancels the call in flight, which ends cleanly (its permit released, its connection
closed) before `KeyboardInterrupt` is raised; under any other handler that raises, the call is
cancelled as the exception goes by, and the loop runs until it has ended.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine
    from types import FrameType

__all__ = ["PrivateLoop"]

_R = TypeVar("_R")

_IDLE = 0.5
"""Seconds the loop may stand still before a call lets it look at its sockets first.

A server closes an idle keep-alive connection after seconds, never sooner; a call following
the last one closely (a script's loop) skips the extra turn.
"""


class PrivateLoop:
    """An event loop owned by one client, not bound to any thread until it `serve`s on one.

    Attributes:
        busy: held by the thread that runs the loop in `run`; whoever cannot take it at once
            must go through the portal instead.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.busy = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped_at = time.monotonic()

    @property
    def served(self) -> bool:
        """Whether the loop runs on a thread of its own now."""
        return self._thread is not None

    def run(self, call: Awaitable[_R]) -> _R:
        """Run `call` to its end on the loop, in this thread; hold `busy` around it.

        Raises:
            KeyboardInterrupt: Ctrl-C; the call was cancelled and has ended.
        """
        loop = self.loop
        if time.monotonic() - self._stopped_at > _IDLE:
            call = _after_a_look(call)
        task = asyncio.ensure_future(call, loop=loop)
        ctrl_c = _cancel_on_sigint(loop, task)
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if ctrl_c is not None and ctrl_c.pressed:
                raise KeyboardInterrupt from None
            raise
        except BaseException:
            if not task.done():
                # Interrupted by a handler that raises (or any BaseException out of the loop):
                # stop the call here instead of leaving it to resume on the next one.
                task.cancel()
                loop.run_until_complete(_settled(task))
            raise
        finally:
            self._stopped_at = time.monotonic()
            if ctrl_c is not None:
                ctrl_c.restore()

    def serve(self, main: Callable[[], Coroutine[Any, Any, None]], *, name: str) -> None:
        """Run the loop on a daemon thread named `name` until `main()` returns.

        Call it holding `busy` (the loop must not be running). The thread is a daemon so that
        interpreter exit never waits on it; closing the client stops it first.
        """
        thread = threading.Thread(
            target=self.loop.run_until_complete, args=(main(),), name=name, daemon=True
        )
        self._thread = thread
        thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the serving thread to end (after `main()` returned)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def close(self) -> None:
        """Cancel what is left on the loop, shut down its generators and executor, close it."""
        loop = self.loop
        if loop.is_closed() or loop.is_running():
            return
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


async def _after_a_look(call: Awaitable[_R]) -> _R:
    # One turn of the loop first, for what happened while it stood still: a connection the
    # server closed meanwhile (its FIN unread) must be seen closed before the call picks it
    # from the pool, or the request would go out on it and fail as "disconnected".
    await asyncio.sleep(0)
    return await call


async def _settled(task: asyncio.Task[Any]) -> None:
    await asyncio.wait((task,))


class _CtrlC:
    """Ctrl-C cancels one task, as under `asyncio.Runner`, while the loop runs it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
        self._loop = loop
        self._task = task
        self.pressed = 0
        self.previous: Any = signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        self.pressed += 1
        if self.pressed > 1:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for the cancellation
        self._task.cancel()
        self._loop.call_soon_threadsafe(_wake)  # the selector may be asleep: wake it up

    def restore(self) -> None:
        signal.signal(signal.SIGINT, self.previous)


def _cancel_on_sigint(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> _CtrlC | None:
    """Make Ctrl-C cancel `task`, or ``None`` where the program keeps its own handling.

    Only in the main thread and under Python's default handler: a program that installed its
    own handler keeps it.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return None
    return _CtrlC(loop, task)


def _wake() -> None:
    """Nothing: scheduled from the SIGINT handler only to wake the selector up."""
