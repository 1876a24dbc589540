"""Kanal sandbox fixtures: `serve` starts sandboxes with options, `api` one with the defaults."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from shopbridge.kanal.sandbox import KanalSandbox
from tests.kanal.sandbox.support import Api, Serve

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> Api:
            sandbox = await stack.enter_async_context(KanalSandbox(**options))
            session = await stack.enter_async_context(aiohttp.ClientSession())
            return Api(sandbox, session)

        yield start


@pytest.fixture
async def api(serve: Serve) -> Api:
    return await serve()
