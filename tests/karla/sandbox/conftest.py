"""Karla sandbox fixtures: `serve` starts sandboxes with options, `api` one with the defaults."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from shopbridge.karla.sandbox import (
    KarlaSandbox,
)
from tests.karla.sandbox.support import Api, Serve

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        )

        async def start(**options: Any) -> Api:
            return Api(await stack.enter_async_context(KarlaSandbox(**options)), session)

        yield start


@pytest.fixture
async def api(serve: Serve) -> Api:
    return await serve()
