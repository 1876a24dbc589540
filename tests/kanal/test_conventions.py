"""The conventions of httpx, openai-python and stripe: ``with_options``, keys from the env.

And Karla's three strings given by name, a swap of them refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shopbridge import ConfigurationError, RequestError, RetryPolicy
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from shopbridge.karla import AsyncKarla, Karla
from shopbridge.karla.sandbox import DEFAULT_API_KEY as KARLA_KEY
from shopbridge.karla.sandbox import DEFAULT_SHOP, KarlaSandbox
from tests.kanal.bulk_data import order

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio


async def test_with_options_is_a_view_sharing_the_session_and_the_counters(
    kanal_sandbox_factory: Callable[..., KanalSandbox],
) -> None:
    down = kanal_sandbox_factory(rate_limit=None, faults="503=1")
    patient = RetryPolicy(max_attempts=3, backoff_base=0.001)
    async with AsyncKanal(DEFAULT_API_KEY, 1, base_url=down.base_url, retry=patient) as kanal:
        hasty = kanal.with_options(retry=RetryPolicy(max_attempts=1), timeout=5)
        assert hasty.retry.attempt_timeout == 5
        assert hasty.retry.max_attempts == 1
        assert kanal.retry is patient  # the client itself is unchanged
        with pytest.raises(RequestError) as once:
            await hasty.orders.upsert(order(1))
        assert once.value.attempts == 1
        with pytest.raises(RequestError) as thrice:
            await kanal.orders.upsert(order(1))
        assert thrice.value.attempts == 3
        assert hasty.counters is kanal.counters
        assert kanal.counters.attempts == 4
        assert hasty._engine.transport is kanal._engine.transport  # one session for both
        await hasty.aclose()  # a view closes nothing
        down.set_faults("none")
        assert (await kanal.orders.upsert(order(2))).created
    with pytest.raises(RuntimeError, match="closed"):
        await hasty.orders.upsert(order(3))  # closed with its client


async def test_with_options_reaches_the_messaging_api_too(kanal_sandbox: KanalSandbox) -> None:
    async with AsyncKanal(DEFAULT_API_KEY, base_url=kanal_sandbox.base_url) as kanal:
        view = kanal.with_options(timeout=3)
        me = await view.account.me()
    assert me is not None


def test_the_kanal_key_comes_from_the_environment(
    kanal_sandbox: KanalSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KANAL_API_KEY", DEFAULT_API_KEY)
    with Kanal(store_id=DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        assert kanal.orders.upsert(order(1)).created
    monkeypatch.delenv("KANAL_API_KEY")
    with pytest.raises(ConfigurationError, match="KANAL_API_KEY"):
        AsyncKanal(store_id=1)


async def test_karla_takes_its_three_strings_by_name(karla_sandbox: KarlaSandbox) -> None:
    async with AsyncKarla(
        username=DEFAULT_SHOP, api_key=KARLA_KEY, shop_slug=DEFAULT_SHOP,
        base_url=karla_sandbox.base_url,
    ) as karla:  # fmt: skip
        assert (await karla.shops.get()).slug == DEFAULT_SHOP


def test_karla_reads_its_key_from_the_env_and_defaults_the_username_to_the_slug(
    karla_sandbox: KarlaSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KARLA_API_KEY", KARLA_KEY)
    # The username defaults to the shop's slug, as Karla's does; the key to KARLA_API_KEY.
    with Karla(shop_slug=DEFAULT_SHOP, base_url=karla_sandbox.base_url) as blocking:
        assert blocking.shops.get().slug == DEFAULT_SHOP


@pytest.mark.parametrize(
    ("args", "named"),
    [
        # (api_key, username, shop) given in the order (username, api_key, shop_slug).
        (("a-long-secret-key", DEFAULT_SHOP, DEFAULT_SHOP), "shop_slug"),
        # (username, shop, api_key): the key where the slug goes, the slug where the key goes.
        ((DEFAULT_SHOP, DEFAULT_SHOP, "a-long-secret-key"), "username"),
    ],
)
def test_karla_refuses_a_key_equal_to_the_username_or_the_slug(
    args: tuple[str, str, str], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"same string as {named}") as refused:
        AsyncKarla(*args)
    assert "a-long-secret-key" not in str(refused.value)
    assert "AsyncKarla(username=..., api_key=..., shop_slug=...)" in str(refused.value)


def test_karla_refuses_a_key_equal_to_the_slug_alone() -> None:
    with pytest.raises(ConfigurationError, match="same string as shop_slug"):
        AsyncKarla(username="user", api_key="my-shop", shop_slug="my-shop")
