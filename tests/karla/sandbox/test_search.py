"""The Karla sandbox's order search filters, 1-based pages, and pagination checked everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.karla.sandbox import (
    OTHER_API_KEY,
    OTHER_SHOP,
)
from tests.karla.sandbox.support import (
    PLACEMENT,
    Api,
    tracking,
    upsert,
)

pytestmark = pytest.mark.anyio


async def test_search_filters(api: Api) -> None:
    first = await api.ok(
        "POST", "/orders", {**PLACEMENT, "order_placed_at": "2026-01-01T00:00:00Z"}
    )
    second = await api.ok(
        "PUT",
        "/orders",
        upsert(
            "1002",
            order={
                **PLACEMENT,
                "order_number": "1002",
                "external_id": "e-1002",
                "email_id": "b@example.com",
                "address": {"zip_code": "75001"},
                "order_placed_at": "2026-03-01T00:00:00Z",
            },
            trackings=[tracking()],
        ),
    )

    async def numbers(query: str) -> list[str]:
        return [o["order_number"] for o in await api.ok("GET", f"/orders?{query}")]

    assert await numbers("") == ["1001", "1002"]
    assert await numbers("order_number=1002") == ["1002"]
    assert await numbers("external_id=shopify-1001") == ["1001"]
    assert await numbers(f"uuid={first['uuid']}") == ["1001"]
    assert await numbers("email_id=b%40example.com") == ["1002"]
    assert await numbers("zip_code=10115") == ["1001"]
    assert await numbers("order_placed_from=2026-02-01T00:00:00Z") == ["1002"]
    assert await numbers("order_placed_to=2026-02-01T00:00:00Z") == ["1001"]
    assert await numbers("shipment_updated_since=2000-01-01T00:00:00Z") == ["1002"]
    assert await numbers("order_number=none") == []
    assert second["trackings"]


async def test_pages_are_1_based_with_30_by_default(api: Api) -> None:
    for number in range(35):
        body = {**PLACEMENT, "order_number": str(number), "external_id": f"e{number}"}
        await api.ok("POST", "/orders", body)
    assert len(await api.ok("GET", "/orders")) == 30
    assert [o["order_number"] for o in await api.ok("GET", "/orders?page=2")] == [
        str(n) for n in range(30, 35)
    ]
    assert len(await api.ok("GET", "/orders?page=4&per_page=10")) == 5
    assert len(await api.ok("GET", "/orders?per_page=100")) == 35
    assert await api.ok("GET", "/orders?page=9") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "page=0",
            {
                "type": "greater_than",
                "loc": ["query", "page"],
                "msg": "Input should be greater than 0",
                "input": "0",
                "ctx": {"gt": 0},
            },
        ),
        (
            "page=-1",
            {
                "type": "greater_than",
                "loc": ["query", "page"],
                "msg": "Input should be greater than 0",
                "input": "-1",
                "ctx": {"gt": 0},
            },
        ),
        (
            "per_page=0",
            {
                "type": "greater_than",
                "loc": ["query", "per_page"],
                "msg": "Input should be greater than 0",
                "input": "0",
                "ctx": {"gt": 0},
            },
        ),
        (
            "per_page=101",
            {
                "type": "less_than_equal",
                "loc": ["query", "per_page"],
                "msg": "Input should be less than or equal to 100",
                "input": "101",
                "ctx": {"le": 100},
            },
        ),
        (
            "page=one",
            {
                "type": "int_parsing",
                "loc": ["query", "page"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "one",
            },
        ),
    ],
)
async def test_pagination_is_validated(api: Api, query: str, expected: dict[str, Any]) -> None:
    for path in (
        "/orders",
        "/campaigns",
        "/discounts",
        "/announcements",
        "/webhooks",
        "/claims",
        "/shops",
    ):
        answer = await api.call("GET", f"{path}?{query}")
        assert (answer.status, answer.body) == (422, {"detail": [expected]}), path


async def test_orders_are_scoped_by_shop(api: Api) -> None:
    await api.ok("POST", "/orders", PLACEMENT)
    other = (OTHER_SHOP, OTHER_API_KEY)
    assert await api.ok("GET", "/orders", shop=OTHER_SHOP, auth=other) == []
    assert (await api.call("POST", "/orders", PLACEMENT, shop=OTHER_SHOP, auth=other)).status == 200
