"""Karla test fixtures: the sandbox on loopback and a client on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.karla import AsyncKarla
from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP, DEFAULT_USERNAME, KarlaSandbox

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

FAST = RetryPolicy(
    max_attempts=4, deadline=10, attempt_timeout=5, backoff_base=0.01, backoff_max=0.05
)


def client(
    sandbox: KarlaSandbox,
    *,
    username: str = DEFAULT_USERNAME,
    api_key: str = DEFAULT_API_KEY,
    shop: str = DEFAULT_SHOP,
    api_version: str | None = None,
) -> AsyncKarla:
    return AsyncKarla(
        username, api_key, shop, base_url=sandbox.base_url, api_version=api_version, retry=FAST
    )


@pytest.fixture
async def sandbox() -> AsyncIterator[KarlaSandbox]:
    async with KarlaSandbox() as running:
        yield running


@pytest.fixture
async def karla(sandbox: KarlaSandbox) -> AsyncIterator[AsyncKarla]:
    async with client(sandbox) as connected:
        yield connected
