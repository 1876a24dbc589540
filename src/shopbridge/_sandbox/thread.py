"""Running a sandbox on a background thread with its own event loop, for synchronous callers.

Blocking code (a script, the quickstart, a sync pytest test) cannot ``await`` a server; this
runs one on an anyio blocking portal (the same machinery as the blocking clients): an event
loop on a thread of its own, stopped, with the server, when the ``with`` block ends. Any thread
may then send it HTTP requests.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

from anyio.from_thread import start_blocking_portal

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Startable", "running_in_thread"]


class Startable(Protocol):
    """Something with an async ``start()`` and ``stop()``, such as a sandbox server."""

    async def start(self) -> None:
        """Start serving."""

    async def stop(self) -> None:
        """Stop serving and release everything."""


_S = TypeVar("_S", bound=Startable)


@contextmanager
def running_in_thread(server: _S, *, name: str) -> Iterator[_S]:
    """Start `server` on a background event loop; stop it when the block ends.

    Args:
        server: the server to run.
        name: the background thread's name.

    Yields:
        `server`, started.
    """
    with start_blocking_portal("asyncio", name=name) as portal:
        portal.call(server.start)
        try:
            yield server
        finally:
            portal.call(server.stop)
