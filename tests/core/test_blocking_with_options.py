"""`Kanal.with_options` and `Karla.with_options`: blocking views on the async client's views."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from shopbridge import RequestError, RetryPolicy
from shopbridge.kanal import Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from shopbridge.karla import Karla
from shopbridge.karla.sandbox import DEFAULT_API_KEY as KARLA_KEY
from shopbridge.karla.sandbox import DEFAULT_SHOP, DEFAULT_USERNAME, KarlaSandbox
from tests.kanal.bulk_data import order

if TYPE_CHECKING:
    from collections.abc import Callable

PATIENT = RetryPolicy(max_attempts=3, backoff_base=0.001)
HASTY = RetryPolicy(max_attempts=1)


def test_a_blocking_view_gives_up_where_its_client_retries_on_one_session(
    kanal_sandbox_factory: Callable[..., KanalSandbox],
) -> None:
    down = kanal_sandbox_factory(rate_limit=None, faults="503=1")
    kanal = Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=down.base_url, retry=PATIENT)
    with kanal:
        hasty = kanal.with_options(retry=HASTY, timeout=5)
        assert (hasty.retry.max_attempts, hasty.retry.attempt_timeout) == (1, 5)
        assert kanal.retry is PATIENT  # the client itself is unchanged
        with pytest.raises(RequestError) as once:
            hasty.orders.upsert(order(1))
        assert once.value.attempts == 1
        with pytest.raises(RequestError) as thrice:
            kanal.orders.upsert(order(1))
        assert thrice.value.attempts == 3
        _, view_client = hasty._started()
        _, client = kanal._started()
        assert view_client._root is client  # the async client's own view
        assert view_client._engine.transport is client._engine.transport  # one session
        assert client.counters.attempts == 4
        hasty.close()  # a view closes nothing: it still calls
        down.set_faults("none")
        assert hasty.orders.upsert(order(2)).created
        assert kanal.orders.upsert(order(3)).created
    assert hasty.closed  # closed with its client
    with pytest.raises(RuntimeError, match="closed"):
        hasty.orders.upsert(order(4))


def test_a_blocking_view_feeds_a_push_from_another_thread_on_its_policy(
    kanal_sandbox_factory: Callable[..., KanalSandbox],
) -> None:
    down = kanal_sandbox_factory(rate_limit=None, faults="503=1")
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=down.base_url, retry=PATIENT) as kanal:
        hasty = kanal.with_options(retry=HASTY)
        reports = []
        worker = threading.Thread(
            target=lambda: reports.append(hasty.orders.push_many(iter([order(1), order(2)])))
        )
        worker.start()
        worker.join(timeout=30)
        (report,) = reports
        assert report.retries == 0
        assert dict(report.rules) == {"kanal-5xx": 2}
        assert kanal._started()[1].counters.attempts == 2  # one attempt each, never retried


def test_a_blocking_karla_view_gives_up_where_its_client_retries(
    karla_sandbox_factory: Callable[..., KarlaSandbox],
) -> None:
    down = karla_sandbox_factory(rate_limit=None, faults="503=1")
    with Karla(
        username=DEFAULT_USERNAME, api_key=KARLA_KEY, shop_slug=DEFAULT_SHOP,
        base_url=down.base_url, retry=PATIENT,
    ) as karla:  # fmt: skip
        hasty = karla.with_options(retry=HASTY)
        with pytest.raises(RequestError) as once:
            hasty.shops.get()
        assert once.value.attempts == 1
        with pytest.raises(RequestError) as thrice:
            karla.shops.get()
        assert thrice.value.attempts == 3
        down.set_faults("none")
        assert [shop.slug for shop in hasty.shops.search()] == [DEFAULT_SHOP]
