"""The Karla sandbox answers as spec §7 says: Basic auth, orders, upserts, errors, pagination."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import orjson
import pytest
from attrs import frozen
from multidict import CIMultiDictProxy
from yarl import URL

from shopbridge.karla._table import ERROR_KEYS
from shopbridge.karla.sandbox import (
    ALL_SHOPS,
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    EXPIRED_API_KEY,
    LATEST_KARLA_VERSION,
    OTHER_API_KEY,
    OTHER_SHOP,
    VIEWER_API_KEY,
    KarlaAccounts,
    KarlaApiKey,
    KarlaSandbox,
    KarlaShop,
)

pytestmark = pytest.mark.anyio

MISSING_UUID = "00000000-0000-4000-8000-000000000000"
ADDRESS = {"name": "Marie Curie", "zip_code": "10115", "country_code": "DE", "city": "Berlin"}
PLACEMENT: dict[str, Any] = {
    "order_number": "1001",
    "external_id": "shopify-1001",
    "address": ADDRESS,
    "email_id": "marie@example.com",
    "total_order_price": 49.9,
    "products": [{"title": "T-shirt", "quantity": 2, "price": 24.95, "sku": "TS-1"}],
}


def basic(username: str, key: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def keyed(key: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The exact envelope of one of Karla's keys."""
    error = ERROR_KEYS[key]
    return {"errors": errors or [], "key": key, "message": error.message, "type": error.type}


def value_error(loc: list[Any], msg: str, field: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "value_error", "field": field}


def upsert(order_id: str = "1001", *, order: Any = PLACEMENT, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": order_id, "trackings": [], **more}
    if order is not None:
        body["order"] = order
    return body


def tracking(number: str = "T-1", **more: Any) -> dict[str, Any]:
    return {"tracking_number": number, "carrier_reference": "dhl", **more}


@frozen
class Answer:
    status: int
    body: Any
    headers: CIMultiDictProxy[str]


@frozen
class Api:
    sandbox: KarlaSandbox
    session: aiohttp.ClientSession

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        shop: str = DEFAULT_SHOP,
        auth: tuple[str, str] | None = (DEFAULT_USERNAME, DEFAULT_API_KEY),
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        """One request; a `path` not starting with ``/shops`` is below ``/shops/{shop}``."""
        sent = {"Content-Type": "application/json"}
        if auth is not None:
            sent.update(basic(*auth))
        sent.update(headers or {})
        full = path if path.startswith("/shops") else f"/shops/{shop}{path}"
        data = raw if raw is not None else None if body is None else orjson.dumps(body)
        url = URL(self.sandbox.base_url + full, encoded=True)
        async with self.session.request(method, url, data=data, headers=sent) as response:
            content = await response.read()
            decoded = orjson.loads(content) if content else None
            return Answer(response.status, decoded, response.headers)

    async def ok(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        answer = await self.call(method, path, body, **options)
        assert answer.status == 200, answer.body
        return answer.body


Serve = Callable[..., Awaitable[Api]]


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


# -- authentication -------------------------------------------------------------------------------

NOT_AUTHENTICATED = (400, {"detail": "Not authenticated: send HTTP Basic username:api_key"})
INVALID = (400, {"detail": "Invalid username or API key"})
EXPIRED = (401, {"detail": "The API key has expired or was deleted"})


def forbidden(shop: str) -> tuple[int, dict[str, str]]:
    return 403, {"detail": f"The API key does not give access to shop {shop!r}"}


@pytest.mark.parametrize(
    ("headers", "shop", "expected"),
    [
        ({}, DEFAULT_SHOP, NOT_AUTHENTICATED),
        ({"Authorization": f"Bearer {DEFAULT_API_KEY}"}, DEFAULT_SHOP, NOT_AUTHENTICATED),
        ({"Authorization": "Basic !!!"}, DEFAULT_SHOP, NOT_AUTHENTICATED),
        (
            {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()},
            DEFAULT_SHOP,
            NOT_AUTHENTICATED,
        ),
        (basic(DEFAULT_USERNAME, "wrong-key"), DEFAULT_SHOP, INVALID),
        (basic("someone-else", DEFAULT_API_KEY), DEFAULT_SHOP, INVALID),
        (basic(DEFAULT_USERNAME, EXPIRED_API_KEY), DEFAULT_SHOP, EXPIRED),
        (basic(DEFAULT_USERNAME, DEFAULT_API_KEY), OTHER_SHOP, forbidden(OTHER_SHOP)),
        (basic(OTHER_SHOP, OTHER_API_KEY), DEFAULT_SHOP, forbidden(DEFAULT_SHOP)),
        (basic(DEFAULT_USERNAME, DEFAULT_API_KEY), "no-such-shop", forbidden("no-such-shop")),
    ],
)
async def test_auth_failures_answer_400_401_403(
    api: Api, headers: dict[str, str], shop: str, expected: tuple[int, Any]
) -> None:
    answer = await api.call("GET", f"/shops/{shop}/orders", auth=None, headers=headers)
    assert (answer.status, answer.body) == expected
    assert answer.headers["Content-Type"] == "application/json"


async def test_auth_is_checked_before_validation(api: Api) -> None:
    answer = await api.call("POST", "/orders", {}, auth=None)
    assert answer.status == 400


@pytest.mark.parametrize(
    ("auth", "shop"),
    [
        ((DEFAULT_USERNAME, DEFAULT_API_KEY), DEFAULT_SHOP),
        ((OTHER_SHOP, OTHER_API_KEY), OTHER_SHOP),
    ],
)
async def test_each_default_key_reaches_its_shop(
    api: Api, auth: tuple[str, str], shop: str
) -> None:
    assert (await api.ok("GET", f"/shops/{shop}", auth=auth))["slug"] == shop


async def test_a_viewer_key_only_reads(api: Api) -> None:
    viewer = (DEFAULT_USERNAME, VIEWER_API_KEY)
    assert await api.ok("GET", "/orders", auth=viewer) == []
    answer = await api.call("PUT", "/orders", upsert(), auth=viewer)
    assert (answer.status, answer.body) == (
        403,
        {"detail": "The API key's role (viewer) may only read"},
    )


async def test_accounts_are_replaceable(serve: Serve) -> None:
    accounts = KarlaAccounts(
        shops=(KarlaShop(slug="shop-a"), KarlaShop(slug="shop-b", name="Shop B")),
        keys=(KarlaApiKey(key="k-123", shops=(ALL_SHOPS,), username="org-admin"),),
    )
    api = await serve(accounts=accounts)
    auth = ("org-admin", "k-123")
    assert (await api.ok("GET", "/shops/shop-b", auth=auth))["name"] == "Shop B"
    shops = await api.ok("GET", "/shops", auth=auth)
    assert [shop["slug"] for shop in shops] == ["shop-a", "shop-b"]
    answer = await api.call("GET", "/shops/shop-c", auth=auth)
    assert (answer.status, answer.body) == (404, keyed("shop_not_found"))
    assert (await api.call("GET", "/shops/shop-a")).status == 400


def test_accounts_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="needs a username"):
        KarlaApiKey(key="k", shops=(ALL_SHOPS,))
    with pytest.raises(ValueError, match="share a slug"):
        KarlaAccounts(shops=(KarlaShop(slug="a"), KarlaShop(slug="a")), keys=())
    assert KarlaApiKey(key="k", shops=("my-shop",)).username == "my-shop"


async def test_unknown_routes_and_methods_answer_like_fastapi(api: Api) -> None:
    answer = await api.call("GET", "/shops/sandbox-shop/nothing", auth=None)
    assert (answer.status, answer.body) == (404, {"detail": "Not Found"})
    answer = await api.call("DELETE", "/orders")
    assert (answer.status, answer.body) == (405, {"detail": "Method Not Allowed"})
    assert answer.headers["Allow"] == "GET, POST, PUT"


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ({"Karla-Version": "2024-01-05"}, "2024-01-05"),
        ({"Karla-Version": "soon"}, None),
        ({}, None),
    ],
)
async def test_karla_version_is_accepted_and_echoed(
    api: Api, sent: dict[str, str], echoed: str | None
) -> None:
    answer = await api.call("GET", "/orders", headers=sent)
    assert answer.status == 200
    assert answer.headers["Karla-Version"] == (echoed or LATEST_KARLA_VERSION)


# -- placing and upserting orders ---------------------------------------------------------------


async def test_placing_an_order_answers_the_order_detail(api: Api) -> None:
    order = await api.ok("POST", "/orders", PLACEMENT)
    assert order["merchant_slug"] == DEFAULT_SHOP
    assert (order["order_number"], order["external_id"]) == ("1001", "shopify-1001")
    assert (order["currency"], order["discount_price"], order["trackings"]) == ("EUR", 0, [])
    assert order["products"][0]["type"] == "product"
    assert "user_agent" not in order
    assert "order_analytics" not in order
    assert api.sandbox.writes(DEFAULT_SHOP, "orders", order["uuid"]) == 1


@pytest.mark.parametrize("field", ["order_number", "external_id"])
async def test_placing_a_known_order_again_is_409_order_exists(api: Api, field: str) -> None:
    await api.ok("POST", "/orders", PLACEMENT)
    again = {**PLACEMENT, "order_number": "other", "external_id": "other", field: PLACEMENT[field]}
    answer = await api.call("POST", "/orders", again)
    assert (answer.status, answer.body) == (
        409,
        keyed(
            "order_exists",
            [value_error(["body", field], f"an order with this {field} exists", field)],
        ),
    )


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ({"zip_code": "10115", "country_code": "DE"}, True),
        ({"zip_code": "1234", "country_code": "DE"}, False),
        ({"zip_code": "1012 AB", "country_code": "NL"}, True),
        ({"zip_code": "SW1A 1AA", "country_code": "GB"}, True),
        ({"zip_code": "75001"}, True),
        ({"zip_code": "x"}, False),
        ({"zip_code": ""}, False),
        ({"zip_code": "ABCDE"}, False),
    ],
)
async def test_zip_codes_are_checked(api: Api, address: dict[str, str], ok: bool) -> None:
    answer = await api.call("POST", "/orders", {**PLACEMENT, "address": address})
    if ok:
        assert answer.status == 200
        return
    zip_error = value_error(["body", "address", "zip_code"], "invalid zip code", "zip_code")
    assert (answer.status, answer.body) == (422, keyed("zip_code_invalid", [zip_error]))
    assert api.sandbox.records(DEFAULT_SHOP, "orders") == {}


async def test_a_schema_failure_answers_fastapi_detail(api: Api) -> None:
    answer = await api.call("POST", "/orders", {"order_number": 1001, "address": {}})
    assert answer.status == 422
    assert answer.body == {
        "detail": [
            {
                "type": "string_type",
                "loc": ["body", "order_number"],
                "msg": "Input should be a valid string",
                "input": 1001,
            },
            {
                "type": "missing",
                "loc": ["body", "external_id"],
                "msg": "Field required",
                "input": {"order_number": 1001, "address": {}},
            },
            {
                "type": "missing",
                "loc": ["body", "address", "zip_code"],
                "msg": "Field required",
                "input": {},
            },
        ]
    }


@pytest.mark.parametrize(
    ("raw", "error_type", "loc"),
    [
        (b"", "missing", ["body"]),
        (b"{nope", "json_invalid", ["body", 1]),
        (b"[]", "model_attributes_type", ["body"]),
    ],
)
async def test_unreadable_bodies_are_422(
    api: Api, raw: bytes, error_type: str, loc: list[Any]
) -> None:
    answer = await api.call("POST", "/orders", raw=raw)
    assert answer.status == 422
    [item] = answer.body["detail"]
    assert (item["type"], item["loc"]) == (error_type, loc)


async def test_upsert_creates_then_updates_the_same_order_and_never_409s(api: Api) -> None:
    created = await api.ok("PUT", "/orders", upsert())
    changed = {**PLACEMENT, "email_id": "new@example.com"}
    updated = await api.ok("PUT", "/orders", upsert(order=changed))
    assert updated["uuid"] == created["uuid"]
    assert updated["email_id"] == "new@example.com"
    assert len(api.sandbox.records(DEFAULT_SHOP, "orders")) == 1
    assert api.sandbox.writes(DEFAULT_SHOP, "orders", created["uuid"]) == 2
    assert (await api.call("POST", "/orders", PLACEMENT)).status == 409


async def test_trackings_create_and_update_shipments_by_tracking_number(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking("T-1")]))
    [first] = order["trackings"]
    assert first["carrier"] == {
        "tracking_number": "T-1",
        "carrier_reference": "dhl",
        "tracking_url": None,
    }
    assert (first["order_id"], first["state"], first["flag"]) == (
        order["uuid"],
        "transit",
        "normal",
    )
    assert first["products"] == order["products"]  # none given: all of the order's
    again = tracking("T-1", tracking_url="https://track.example/T-1")
    order = await api.ok("PUT", "/orders", upsert(order=None, trackings=[again, tracking("T-2")]))
    assert [t["carrier"]["tracking_number"] for t in order["trackings"]] == ["T-1", "T-2"]
    assert order["trackings"][0]["id"] == first["id"]
    assert order["trackings"][0]["carrier"]["tracking_url"] == "https://track.example/T-1"
    assert api.sandbox.writes(DEFAULT_SHOP, "shipments", first["id"]) == 2


async def test_an_upsert_without_order_needs_the_order(api: Api) -> None:
    answer = await api.call("PUT", "/orders", upsert("404", order=None, trackings=[tracking()]))
    error = value_error(["body", "id"], "the order does not exist; give `order` to create it", "id")
    assert (answer.status, answer.body) == (404, keyed("order_not_found", [error]))
    assert api.sandbox.records(DEFAULT_SHOP, "shipments") == {}


async def test_a_bad_carrier_reference_is_422_and_writes_nothing(api: Api) -> None:
    answer = await api.call(
        "PUT", "/orders", upsert(trackings=[tracking(carrier_reference="DHL!")])
    )
    error = value_error(
        ["body", "trackings", 0, "carrier_reference"],
        "unknown carrier reference 'DHL!'",
        "carrier_reference",
    )
    assert (answer.status, answer.body) == (422, keyed("carrier_reference_invalid", [error]))
    assert api.sandbox.records(DEFAULT_SHOP, "orders") == {}


@pytest.mark.parametrize("id_type", ["external_id", "order_number", "uuid", "order_name"])
async def test_upserts_find_the_order_by_id_type(api: Api, id_type: str) -> None:
    order = await api.ok("POST", "/orders", {**PLACEMENT, "order_name": "#1001"})
    value = order["uuid"] if id_type == "uuid" else order[id_type]
    body = upsert(value, order=None, id_type=id_type, trackings=[tracking()])
    found = await api.ok("PUT", "/orders", body)
    assert (found["uuid"], len(found["trackings"])) == (order["uuid"], 1)
    assert api.sandbox.find_order(DEFAULT_SHOP, value, id_type=id_type) == found


async def test_an_upsert_by_uuid_needs_a_uuid(api: Api) -> None:
    answer = await api.call("PUT", "/orders", upsert("not-a-uuid", id_type="uuid"))
    assert answer.status == 422
    assert answer.body["detail"][0]["type"] == "uuid_parsing"


async def test_the_upsert_takes_order_analytics_at_the_top_level_too(api: Api) -> None:
    await api.ok("PUT", "/orders", upsert(order_analytics={"affiliate_code": "A1"}))
    [record] = api.sandbox.records(DEFAULT_SHOP, "orders").values()
    assert record.data["order_analytics"] == {"affiliate_code": "A1"}


async def test_bulk_upserts_are_all_or_nothing(api: Api) -> None:
    items = [upsert(), upsert("1001", order=None, trackings=[tracking()])]
    orders = await api.ok("PUT", "/orders/bulk", items)
    assert len(orders) == 2
    assert orders[0]["uuid"] == orders[1]["uuid"]
    assert len(orders[1]["trackings"]) == 1
    other = {**PLACEMENT, "order_number": "1002", "external_id": "e-1002"}
    answer = await api.call(
        "PUT", "/orders/bulk", [upsert("1002", order=other), upsert("nope", order=None)]
    )
    error = value_error(
        ["body", 1, "id"], "the order does not exist; give `order` to create it", "id"
    )
    assert (answer.status, answer.body) == (404, keyed("order_not_found", [error]))
    assert api.sandbox.find_order(DEFAULT_SHOP, "1002") is None
    bad_zip = {**other, "address": {"zip_code": "?"}}
    answer = await api.call(
        "PUT", "/orders/bulk", [upsert("1002", order=other), upsert(order=bad_zip)]
    )
    assert answer.status == 422
    assert answer.body["errors"][0]["loc"] == ["body", 1, "order", "address", "zip_code"]


# -- updating orders, shipments, events ---------------------------------------------------------


async def test_patching_an_order_merges_the_address(api: Api) -> None:
    order = await api.ok("POST", "/orders", PLACEMENT)
    changes = {
        "address": {"city": "Potsdam", "zip_code": "14467"},
        "expected_number_of_shipments": 2,
    }
    patched = await api.ok("PATCH", f"/orders/{order['uuid']}", changes)
    assert patched["address"] == {**order["address"], "city": "Potsdam", "zip_code": "14467"}
    bad = await api.call("PATCH", f"/orders/{order['uuid']}", {"address": {"zip_code": "1"}})
    assert (bad.status, bad.body["key"]) == (422, "zip_code_invalid")


async def test_unknown_and_malformed_order_ids(api: Api) -> None:
    answer = await api.call("PATCH", f"/orders/{MISSING_UUID}", {})
    assert (answer.status, answer.body) == (404, keyed("order_not_found"))
    answer = await api.call("PATCH", "/orders/1001", {})
    assert answer.status == 422
    assert answer.body["detail"][0]["loc"] == ["path", "order_id"]


async def test_patching_a_shipment_replaces_its_products(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking()]))
    shipment = order["trackings"][0]
    path = f"/orders/{order['uuid']}/shipments/{shipment['id']}"
    patched = await api.ok("PATCH", path, {"tracking_url": "https://t.example/1", "products": []})
    assert (patched["carrier"]["tracking_url"], patched["products"]) == ("https://t.example/1", [])
    other = await api.ok("POST", "/orders", {**PLACEMENT, "order_number": "2", "external_id": "2"})
    answer = await api.call("PATCH", f"/orders/{other['uuid']}/shipments/{shipment['id']}", {})
    assert (answer.status, answer.body) == (404, keyed("shipment_not_found"))


async def test_shipment_events_are_appended_once_per_external_id(api: Api) -> None:
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking()]))
    shipment_id = order["trackings"][0]["id"]
    event = {
        "event_name": "SUCCESSFULLY_DELIVERED",
        "event_time": "2026-05-20T10:00:00+02:00",
        "external_id": "ev-1",
    }
    shipment = await api.ok("POST", f"/shipments/{shipment_id}/events", event)
    assert shipment["state"] == "delivered"
    last = shipment["events"][-1]
    assert (last["event_key"], last["phase"], last["time"]) == (
        "SUCCESSFULLY_DELIVERED",
        "delivered",
        "2026-05-20T08:00:00+00:00",
    )
    again = await api.ok("POST", f"/shipments/{shipment_id}/events", event)
    assert len(again["events"]) == len(shipment["events"])
    answer = await api.call("POST", f"/shipments/{MISSING_UUID}/events", event)
    assert (answer.status, answer.body) == (404, keyed("shipment_not_found"))
    answer = await api.call("POST", f"/shipments/{shipment_id}/events", {"event_name": "X"})
    assert [item["loc"][-1] for item in answer.body["detail"]] == ["event_time", "external_id"]


# -- searching and pagination -------------------------------------------------------------------


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
