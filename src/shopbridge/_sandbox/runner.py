"""Serving a sandbox from the command line until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge._sandbox.server import SandboxServer

__all__ = ["serve_until_signalled"]


def serve_until_signalled(
    server: SandboxServer, *, on_started: Callable[[SandboxServer], None]
) -> None:
    """Run `server` on a new event loop until SIGINT (Ctrl-C) or SIGTERM, then stop it cleanly.

    Args:
        server: the sandbox to serve.
        on_started: called once the server listens (the CLI prints the base URL there).

    Raises:
        OSError: the server could not listen (the port is taken, the host is not local).
    """
    # Where the loop cannot install signal handlers (Windows), Ctrl-C arrives as
    # KeyboardInterrupt instead; either way the server stops and the process exits 0.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(server, on_started))


async def _serve(server: SandboxServer, on_started: Callable[[SandboxServer], None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with server:
        on_started(server)
        await stop.wait()
