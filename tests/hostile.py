"""A hostile HTTP server on 127.0.0.1 (port 0) for the tests: it answers what a test tells it.

It runs `aiohttp.web` on a thread of its own, so that async tests, blocking clients, the CLI
and child processes can all talk to it. Its answers are plain functions of the request: an
echo of the credentials, an answer of 200 MB, a gzip bomb.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator


class HostileServer:
    """`handler` answers every request; use it as a context manager.

    Attributes:
        base_url: ``http://127.0.0.1:PORT``, set once started.
        requests: how many requests it received.
    """

    def __init__(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        self._handler = handler
        self.base_url = ""
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        return await self._handler(request)

    def __enter__(self) -> HostileServer:
        started = threading.Event()

        async def serve() -> None:
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_route("*", "/{tail:.*}", self._answer)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None
            port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            self.base_url = f"http://127.0.0.1:{port}"
            self._stop = asyncio.Event()
            started.set()
            try:
                await self._stop.wait()
            finally:
                await runner.cleanup()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(serve())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="hostile-server", daemon=True)
        self._thread.start()
        assert started.wait(10), "the hostile server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        assert self._stop is not None
        assert self._thread is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def credentials(request: web.Request) -> Iterator[str]:
    """What the request's ``Authorization`` header carries, in every form: the header, the
    token, and for Basic the decoded ``user:key`` and the key alone."""
    header = request.headers.get("Authorization", "")
    yield header
    scheme, _, token = header.partition(" ")
    yield token
    if scheme == "Basic":
        pair = base64.b64decode(token).decode()
        yield pair
        yield pair.partition(":")[2]
