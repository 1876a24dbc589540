"""pytest fixtures for shopbridge users: the API sandboxes on loopback.

Registered as a pytest plugin (the ``pytest11`` entry point), so the fixtures are available in
any test suite of a project that installs shopbridge:

``kanal_sandbox``
    A running `KanalSandbox` with the default accounts, fresh for each test, and **no rate
    limit**: Kanal's real 60 requests per 60 s would make a test of 70 records wait a minute.
    It runs on a background thread, so sync and async tests can both use it::

        def test_push(kanal_sandbox):
            with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
                kanal.orders.upsert(order)
            assert kanal_sandbox.writes(DEFAULT_STORE_ID, "orders", order.external_id) == 1

``kanal_sandbox_rate_limited``
    The same, with Kanal's real limit (60 per 60 s), for a test of your pacing or your 429
    handling::

        def test_pacing(kanal_sandbox_rate_limited): ...

``kanal_sandbox_factory``
    Builds running sandboxes with options (the `KanalSandbox` arguments, whose defaults are the
    real API's: pass ``rate_limit=None`` for none); each one stops when the test ends::

        def test_retries(kanal_sandbox_factory):
            sandbox = kanal_sandbox_factory(faults="503=0.5", seed=3, rate_limit=None)

``karla_sandbox`` and ``karla_sandbox_factory``
    The same for `KarlaSandbox` (HTTP Basic ``sandbox-shop:sandbox-key``, no rate limit)::

        def test_push(karla_sandbox):
            push_my_orders(base_url=karla_sandbox.base_url)
            assert karla_sandbox.find_order("sandbox-shop", "1001") is not None


        def test_webhooks(karla_sandbox_factory):
            sandbox = karla_sandbox_factory(deliver_webhooks=True)

The sandbox itself is imported when a fixture is first used, never when pytest loads the
plugin: a project that never asks for a sandbox pays nothing for it.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from shopbridge.kanal.sandbox import KanalSandbox
    from shopbridge.karla.sandbox import KarlaSandbox

__all__ = [
    "kanal_sandbox",
    "kanal_sandbox_factory",
    "kanal_sandbox_rate_limited",
    "karla_sandbox",
    "karla_sandbox_factory",
]


@pytest.fixture
def kanal_sandbox_factory() -> Iterator[Callable[..., KanalSandbox]]:
    """A function that starts a `KanalSandbox` with the given options, stopped after the test."""
    from shopbridge.kanal.sandbox import KanalSandbox  # noqa: PLC0415 - keep the plugin light

    with ExitStack() as stack:

        def start(**options: Any) -> KanalSandbox:
            return stack.enter_context(KanalSandbox(**options).running_in_thread())

        yield start


@pytest.fixture
def kanal_sandbox(kanal_sandbox_factory: Callable[..., KanalSandbox]) -> KanalSandbox:
    """A running `KanalSandbox` with the default accounts, no rate limit and no faults."""
    return kanal_sandbox_factory(rate_limit=None)


@pytest.fixture
def kanal_sandbox_rate_limited(kanal_sandbox_factory: Callable[..., KanalSandbox]) -> KanalSandbox:
    """A running `KanalSandbox` with the default accounts and Kanal's real 60 per 60 s."""
    return kanal_sandbox_factory()


@pytest.fixture
def karla_sandbox_factory() -> Iterator[Callable[..., KarlaSandbox]]:
    """A function that starts a `KarlaSandbox` with the given options, stopped after the test."""
    from shopbridge.karla.sandbox import KarlaSandbox  # noqa: PLC0415 - keep the plugin light

    with ExitStack() as stack:

        def start(**options: Any) -> KarlaSandbox:
            return stack.enter_context(KarlaSandbox(**options).running_in_thread())

        yield start


@pytest.fixture
def karla_sandbox(karla_sandbox_factory: Callable[..., KarlaSandbox]) -> KarlaSandbox:
    """A running `KarlaSandbox` with the default accounts, no rate limit and no faults."""
    return karla_sandbox_factory()
