"""The reference FastAPI app on 127.0.0.1 (port 0), and the Karla sandbox, for the whole module."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
import uvicorn

from shopbridge.karla.sandbox import KarlaSandbox
from tests.karla.conformance.reference_app import app

if TYPE_CHECKING:
    from collections.abc import Iterator

_START_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def reference_url() -> Iterator[str]:
    """The base URL of the reference app, served by uvicorn in a thread until the module ends."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reference-fastapi", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the reference FastAPI app did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """The base URL (``.../v1``) of a default Karla sandbox, for the whole module."""
    with KarlaSandbox().running_in_thread() as sandbox:
        yield sandbox.base_url
