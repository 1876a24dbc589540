"""The Karla sandbox's shared machinery: faults, scripted errors, limiter, inspection, options."""

from __future__ import annotations

import http.client
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import anyio
import orjson
import pytest

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    OTHER_API_KEY,
    OTHER_SHOP,
    KarlaSandbox,
)
from tests.karla.sandbox.support import PLACEMENT, Api, Serve, basic, keyed, upsert

if TYPE_CHECKING:
    from collections.abc import Callable


anyio_mark = pytest.mark.anyio


def _get(url: str, *, auth: bool = True) -> tuple[int, Any]:
    """One blocking GET with the standard library."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    headers = basic(DEFAULT_USERNAME, DEFAULT_API_KEY) if auth else {}
    try:
        connection.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    return response.status, orjson.loads(content) if content else None


# -- faults and scripted errors -----------------------------------------------------------------


@anyio_mark
@pytest.mark.parametrize(
    ("spec", "status", "body"),
    [
        ("500=1", 500, keyed("unexpected")),
        ("502=1", 502, keyed("bad_gateway")),
        ("503=1", 503, {"detail": "Service Unavailable"}),
        ("504=1", 504, {"detail": "Gateway Timeout"}),
    ],
)
async def test_injected_5xx_answer_karla_bodies_and_write_nothing(
    serve: Serve, spec: str, status: int, body: Any
) -> None:
    api = await serve(faults=spec)
    answer = await api.call("PUT", "/orders", upsert())
    assert (answer.status, answer.body) == (status, body)
    assert api.sandbox.records(DEFAULT_SHOP, "orders") == {}
    assert api.sandbox.stats.faults == {str(status): 1}


@anyio_mark
async def test_drop_after_applies_the_write(serve: Serve) -> None:
    api = await serve(faults="drop_after=1")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("PUT", "/orders", upsert())
    assert api.sandbox.find_order(DEFAULT_SHOP, "1001") is not None


@anyio_mark
async def test_the_same_seed_repeats_the_faults(serve: Serve) -> None:
    runs = []
    for _ in range(2):
        api = await serve(faults="500=0.3,503=0.3", seed=11)
        runs.append([(await api.call("GET", "/orders")).status for _ in range(20)])
    assert runs[0] == runs[1]
    assert {200, 500, 503} <= set(runs[0])


@anyio_mark
@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("unexpected", 500),
        ("bad_gateway", 502),
        ("service_not_implemented", 501),
        ("campaign_exists", 409),
    ],
)
async def test_fail_next_answers_any_key_then_serves_again(api: Api, key: str, status: int) -> None:
    api.sandbox.fail_next(key, times=2)
    for _ in range(2):
        answer = await api.call("PUT", "/orders", upsert())
        assert (answer.status, answer.body) == (status, keyed(key))
    assert api.sandbox.records(DEFAULT_SHOP, "orders") == {}
    assert (await api.call("PUT", "/orders", upsert())).status == 200
    assert api.sandbox.stats.faults == {key: 2}


def test_fail_next_refuses_unknown_keys() -> None:
    sandbox = KarlaSandbox()
    with pytest.raises(ValueError, match="not one of Karla's error keys"):
        sandbox.fail_next("teapot")
    with pytest.raises(ValueError, match="at least 1"):
        sandbox.fail_next("unexpected", times=0)


# -- the optional limiter ------------------------------------------------------------------------


@anyio_mark
async def test_there_is_no_rate_limit_by_default(api: Api) -> None:
    for _ in range(70):
        answer = await api.call("GET", "/orders")
        assert answer.status == 200
    assert "X-RateLimit-Limit" not in answer.headers
    assert api.sandbox.rate_limit is None


@anyio_mark
async def test_the_limiter_counts_per_shop_and_answers_429(serve: Serve) -> None:
    api = await serve(rate_limit=RateLimit(limit=2, window=60))
    first = await api.call("GET", "/orders")
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    await api.call("GET", "/orders")
    refused = await api.call("GET", "/orders")
    assert (refused.status, refused.body) == (429, {"detail": "Too Many Requests"})
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = await api.call("GET", "/orders", shop=OTHER_SHOP, auth=(OTHER_SHOP, OTHER_API_KEY))
    assert other.status == 200
    assert api.sandbox.stats.rate_limited == 1


# -- inspection and Python accessors -----------------------------------------------------------


def test_inspection_routes_show_shops_records_events_and_deliveries() -> None:
    with KarlaSandbox().running_in_thread() as sandbox:
        root = f"{sandbox.root_url}/_sandbox"
        status, index = _get(f"{root}/", auth=False)
        assert status == 200
        assert (index["api"], index["base_url"], index["shops"]) == (
            "karla",
            sandbox.base_url,
            [DEFAULT_SHOP, OTHER_SHOP],
        )
        assert "GET /_sandbox/deliveries" in index["routes"]
        assert index["rate_limit"] == "off"
        status, shop = _get(f"{root}/shops/{DEFAULT_SHOP}/shop/{DEFAULT_SHOP}", auth=False)
        assert (status, shop["writes"], shop["data"]["slug"]) == (200, 0, DEFAULT_SHOP)
        status, _ = _get(f"{root}/shops/nowhere/orders", auth=False)
        assert status == 404
        assert _get(f"{root}/events", auth=False) == (200, [])
        assert _get(f"{root}/deliveries", auth=False) == (200, [])


@anyio_mark
async def test_records_writes_and_events_are_readable_from_python(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert())
    await api.ok("PUT", "/orders", upsert())
    assert api.sandbox.writes(DEFAULT_SHOP, "orders", order["uuid"]) == 2
    record = api.sandbox.record(DEFAULT_SHOP, "orders", order["uuid"])
    assert record is not None
    assert record.data["order_number"] == "1001"
    assert api.sandbox.find_order(DEFAULT_SHOP, "shopify-1001", id_type="external_id") == order
    assert [e["ref"] for e in api.sandbox.events(DEFAULT_SHOP)] == [
        "shipments/order_created/ORDER_CREATED"
    ]
    assert api.sandbox.events(OTHER_SHOP) == []
    assert api.sandbox.stats.writes == {"orders": 2}
    api.sandbox.reset()
    assert api.sandbox.stats.requests == 0
    assert api.sandbox.find_order(DEFAULT_SHOP, "1001") is None
    assert api.sandbox.events() == []
    assert (await api.ok("GET", f"/shops/{DEFAULT_SHOP}"))["slug"] == DEFAULT_SHOP


# -- options ---------------------------------------------------------------------------------------


@anyio_mark
async def test_responses_can_be_wrapped_in_data_and_metadata(serve: Serve) -> None:
    api = await serve(wrap_responses=True)
    placed = await api.ok("POST", "/orders", PLACEMENT)
    assert set(placed) == {"data", "metadata"}
    assert placed["metadata"] == {}
    found = await api.ok("GET", "/orders?per_page=5")
    assert found["metadata"] == {"page": 1, "per_page": 5}
    assert [o["uuid"] for o in found["data"]] == [placed["data"]["uuid"]]
    assert (await api.call("GET", "/orders?page=0")).body["detail"][0]["type"] == "greater_than"


@anyio_mark
async def test_schema_failures_can_use_karla_envelope(serve: Serve) -> None:
    api = await serve(validation_errors="envelope")
    answer = await api.call("POST", "/orders", {"external_id": "x", "address": {"zip_code": "1"}})
    assert (answer.status, answer.body) == (
        422,
        {
            "errors": [
                {
                    "loc": ["body", "order_number"],
                    "msg": "Field required",
                    "type": "missing",
                    "field": "order_number",
                }
            ],
            "key": "request_validation_error",
            "message": "the request is invalid; see errors.",
            "type": "invalid_request_error",
        },
    )


def test_validation_style_is_checked() -> None:
    with pytest.raises(ValueError, match="validation_errors"):
        KarlaSandbox(validation_errors="xml")  # type: ignore[arg-type]


# -- the pytest plugin's fixtures ----------------------------------------------------------------


def test_karla_sandbox_serves_a_sync_test(karla_sandbox: KarlaSandbox) -> None:
    status, shop = _get(f"{karla_sandbox.base_url}/shops/{DEFAULT_SHOP}")
    assert (status, shop["slug"]) == (200, DEFAULT_SHOP)
    assert karla_sandbox.stats.requests == 1


def test_karla_sandbox_is_fresh_for_each_test(karla_sandbox: KarlaSandbox) -> None:
    assert karla_sandbox.records(DEFAULT_SHOP, "orders") == {}
    assert karla_sandbox.stats.requests == 0


def test_the_factory_passes_options(karla_sandbox_factory: Callable[..., KarlaSandbox]) -> None:
    faulty = karla_sandbox_factory(faults="500=1")
    plain = karla_sandbox_factory()
    assert faulty.port != plain.port
    assert _get(f"{faulty.base_url}/shops/{DEFAULT_SHOP}")[0] == 500
    assert _get(f"{plain.base_url}/shops/{DEFAULT_SHOP}")[0] == 200


@anyio_mark
async def test_deliveries_can_be_awaited_from_another_loop(
    karla_sandbox_factory: Callable[..., KarlaSandbox],
) -> None:
    sandbox = karla_sandbox_factory(deliver_webhooks=True)
    headers = basic(DEFAULT_USERNAME, DEFAULT_API_KEY)
    async with aiohttp.ClientSession(headers=headers) as session:
        base = f"{sandbox.base_url}/shops/{DEFAULT_SHOP}"
        async with session.post(f"{base}/webhooks", json={"url": "http://10.0.0.1/x"}) as response:
            assert response.status == 200
        async with session.post(f"{base}/orders", json=PLACEMENT) as response:
            assert response.status == 200
    with anyio.fail_after(10):
        [delivery] = await sandbox.wait_for_deliveries(1)
    assert delivery.error is not None
    assert delivery.error.startswith("refused")
