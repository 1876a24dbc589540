"""Karla's answers are read up to ``max_body`` bytes, as Kanal's are: a larger one is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shopbridge import RequestFailedError
from shopbridge.core.sansio._outcome import FailureKind
from shopbridge.karla import AsyncKarla
from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP, DEFAULT_USERNAME

if TYPE_CHECKING:
    from shopbridge.karla.sandbox import KarlaSandbox

pytestmark = pytest.mark.anyio


def client(sandbox: KarlaSandbox, *, max_body: int) -> AsyncKarla:
    return AsyncKarla(
        DEFAULT_USERNAME,
        DEFAULT_API_KEY,
        DEFAULT_SHOP,
        base_url=sandbox.base_url,
        max_body=max_body,
    )


async def test_an_answer_over_max_body_is_refused_unread(sandbox: KarlaSandbox) -> None:
    async with client(sandbox, max_body=64) as karla:
        with pytest.raises(RequestFailedError) as caught:
            await karla.shops.get()
    assert caught.value.failure is FailureKind.ANSWER_TOO_LARGE
    assert caught.value.verdict.rule == "net-answer-too-large"


async def test_an_answer_within_max_body_is_read(sandbox: KarlaSandbox) -> None:
    async with client(sandbox, max_body=1 << 20) as karla:
        shop = await karla.shops.get()
    assert shop.slug
