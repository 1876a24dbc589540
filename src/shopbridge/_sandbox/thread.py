"""Running a sandbox on a background thread with its own event loop, for synchronous callers.

Blocking code (a script, the quickstart, a sync pytest test) cannot ``await`` a server; this
runs one on a daemon thread whose event loop belongs to the server alone, and stops it (and
closes the loop) when the ``with`` block ends. Any thread may then send it HTTP requests.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterator
    from typing import Any

__all__ = ["LoopThread", "Startable", "running_in_thread"]

_START_TIMEOUT = 30.0
"""Seconds to wait for the server to start or stop before giving up on the thread."""


class Startable(Protocol):
    """Something with an async ``start()`` and ``stop()``, such as a sandbox server."""

    async def start(self) -> None:
        """Start serving."""

    async def stop(self) -> None:
        """Stop serving and release everything."""


_S = TypeVar("_S", bound=Startable)


class LoopThread:
    """An event loop running forever on a daemon thread, until `close`.

    Args:
        name: the thread's name.
    """

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def call(
        self, coroutine: Coroutine[Any, Any, None], *, timeout: float = _START_TIMEOUT
    ) -> None:
        """Run `coroutine` on the loop and wait for it; its exception is raised here."""
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def close(self) -> None:
        """Stop the loop, wait for the thread to end, and close the loop."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()


@contextmanager
def running_in_thread(server: _S, *, name: str) -> Iterator[_S]:
    """Start `server` on a background event loop; stop it when the block ends.

    Args:
        server: the server to run.
        name: the background thread's name.

    Yields:
        `server`, started.
    """
    loop_thread = LoopThread(name)
    try:
        loop_thread.call(server.start())
        try:
            yield server
        finally:
            loop_thread.call(server.stop())
    finally:
        loop_thread.close()
