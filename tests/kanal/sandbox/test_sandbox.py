"""The Kanal sandbox answers as Kanal's docs say: auth, routing, upserts, bodies, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import anyio
import orjson
import pytest
from attrs import frozen
from multidict import CIMultiDictProxy
from yarl import URL

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.kanal.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    OTHER_TEAM_API_KEY,
    OTHER_TEAM_STORE_ID,
    PAUSED_STORE_ID,
    SINGLE_STORE_API_KEY,
    KanalAccounts,
    KanalApiKey,
    KanalSandbox,
    KanalStore,
)

pytestmark = pytest.mark.anyio

ORDER: dict[str, Any] = {
    "external_id": "ORDER-1001",
    "placed_at": "2026-05-18T10:00:00Z",
    "total_price": 49.9,
    "currency": "EUR",
    "customer": {"phone": "+33612345678", "first_name": "Marie"},
    "line_items": [{"title": "T-shirt Bordeaux", "quantity": 2, "price": 24.95}],
    "metadata": {"source": "test"},
}
CHECKOUT: dict[str, Any] = {
    "external_id": "CHECKOUT-7700",
    "abandoned_at": "2026-05-18T09:40:00Z",
    "total_price": "49.90",
    "currency": "EUR",
    "recovery_url": "https://shop.example.com/checkout/recover/7700",
    "customer": {"phone": "+33612345678"},
}
CUSTOMER: dict[str, Any] = {
    "external_id": "CUST-42",
    "phone": "+33612345678",
    "first_name": "Marie",
    "email": "marie@example.com",
    "tags": ["vip"],
    "lifetime_value": 1299,
    "orders_count": 7,
}
SHIPMENT: dict[str, Any] = {
    "external_id": "SHIP-9001",
    "order_external_id": "ORDER-1001",
    "tracking_number": "1Z999AA10123456784",
    "tracking_url": "https://track.example.com/1Z999AA10123456784",
    "carrier": "Colissimo",
    "status": "in_transit",
}


@frozen
class Answer:
    status: int
    body: Any
    headers: CIMultiDictProxy[str]
    raw: bytes


@frozen
class Api:
    sandbox: KanalSandbox
    session: aiohttp.ClientSession

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = DEFAULT_API_KEY,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        """Send one request; `path` is below the base URL and already percent-encoded."""
        sent = {"Content-Type": "application/json", "Accept": "application/json"}
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        sent.update(headers or {})
        data = raw if raw is not None else None if body is None else orjson.dumps(body)
        url = URL(self.sandbox.base_url + path, encoded=True)
        async with self.session.request(method, url, data=data, headers=sent) as response:
            content = await response.read()
            decoded = orjson.loads(content) if content else None
            return Answer(response.status, decoded, response.headers, content)


Serve = Callable[..., Awaitable[Api]]


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


# -- authentication and the order of the checks -------------------------------------------------


MISSING = (401, {"error": "API key is missing"})
INVALID = (401, {"error": "Invalid API key"})
NO_STORE = (404, {"error": "Store not found or paused"})
FORBIDDEN = (403, {"error": "API key does not authorize this store"})


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    ("headers", "store", "expected"),
    [
        ({}, 1, MISSING),
        ({"Authorization": "Basic c2FuZGJveC1rZXk6"}, 1, MISSING),
        ({"Authorization": "Bearer "}, 1, MISSING),
        ({"Authorization": "Bearer"}, 1, MISSING),
        (bearer("nope"), 1, INVALID),
        (bearer("nope"), 99, INVALID),
        (bearer(DEFAULT_API_KEY), 99, NO_STORE),
        (bearer(DEFAULT_API_KEY), "abc", NO_STORE),
        (bearer(DEFAULT_API_KEY), PAUSED_STORE_ID, NO_STORE),
        (bearer(OTHER_TEAM_API_KEY), PAUSED_STORE_ID, NO_STORE),
        (bearer(DEFAULT_API_KEY), OTHER_TEAM_STORE_ID, FORBIDDEN),
        (bearer(OTHER_TEAM_API_KEY), DEFAULT_STORE_ID, FORBIDDEN),
        (bearer(SINGLE_STORE_API_KEY), OTHER_TEAM_STORE_ID, FORBIDDEN),
    ],
)
async def test_auth_failures_answer_the_documented_bodies_in_order(
    api: Api, headers: dict[str, str], store: object, expected: tuple[int, dict[str, str]]
) -> None:
    answer = await api.call("POST", f"/stores/{store}/customers", {}, key=None, headers=headers)
    assert (answer.status, answer.body) == expected
    assert answer.headers["Content-Type"] == "application/json"
    assert "X-RateLimit-Limit" not in answer.headers


@pytest.mark.parametrize(
    ("key", "store"),
    [
        (DEFAULT_API_KEY, DEFAULT_STORE_ID),
        (SINGLE_STORE_API_KEY, DEFAULT_STORE_ID),
        (OTHER_TEAM_API_KEY, OTHER_TEAM_STORE_ID),
    ],
)
async def test_authorised_keys_reach_validation(api: Api, key: str, store: int) -> None:
    answer = await api.call("POST", f"/stores/{store}/customers", CUSTOMER, key=key)
    assert answer.status == 201


async def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    headers = {"Authorization": f"bearer {DEFAULT_API_KEY}"}
    answer = await api.call("POST", "/stores/1/customers", CUSTOMER, key=None, headers=headers)
    assert answer.status == 201


async def test_accounts_are_configurable(serve: Serve) -> None:
    accounts = KanalAccounts(
        stores=(KanalStore(id=123, team="t"),), keys=(KanalApiKey(token="8fK2pX9mWq4L", team="t"),)
    )
    api = await serve(accounts=accounts)
    assert (
        await api.call("POST", "/stores/123/customers", CUSTOMER, key="8fK2pX9mWq4L")
    ).status == 201
    assert (
        await api.call("POST", "/stores/1/customers", CUSTOMER, key="8fK2pX9mWq4L")
    ).status == 404
    assert (await api.call("POST", "/stores/123/customers", CUSTOMER)).status == 401


def test_accounts_refuse_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="share an id"):
        KanalAccounts(stores=(KanalStore(id=1, team="a"), KanalStore(id=1, team="b")), keys=())


async def test_auth_failures_are_not_counted_and_validation_is(serve: Serve) -> None:
    api = await serve(rate_limit=RateLimit(limit=2, window=60))
    assert (await api.call("POST", "/stores/1/orders", {}, key="nope")).status == 401
    assert (await api.call("POST", "/stores/3/orders", {})).status == 403
    first = await api.call("POST", "/stores/1/orders", {})
    assert first.status == 422
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    second = await api.call("POST", "/stores/1/orders", ORDER)
    assert (second.status, second.headers["X-RateLimit-Remaining"]) == (201, "0")
    third = await api.call("POST", "/stores/1/orders", {})
    assert third.status == 429  # the limit is checked before validation
    assert api.sandbox.stats.rate_limited == 1


# -- routing ------------------------------------------------------------------------------------


async def test_unknown_route_is_laravel_not_found(api: Api) -> None:
    for path in ("/stores/1/refunds", "/stores/1/shipments/SHIP-1", "/stores/1", "/nothing"):
        answer = await api.call("POST", path, {})
        assert (answer.status, answer.body) == (404, {"message": "Not Found"}), path


async def test_wrong_method_is_laravel_method_not_allowed(api: Api) -> None:
    answer = await api.call("GET", "/stores/1/orders", key=None)
    assert answer.status == 405
    assert answer.body == {
        "message": "The GET method is not supported for route api/v1/stores/1/orders. "
        "Supported methods: POST."
    }
    assert answer.headers["Allow"] == "POST"
    patch = await api.call("POST", "/stores/1/customers/CUST-1")
    assert patch.body["message"].endswith("Supported methods: DELETE.")


@pytest.mark.parametrize(
    ("external_id", "encoded"),
    [
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("a b", "a%20b"),
        ("..", "%2E%2E"),
        ("100%", "100%25"),
        ("café", "caf%C3%A9"),
    ],
)
async def test_encoded_external_id_is_one_path_segment(
    api: Api, external_id: str, encoded: str
) -> None:
    assert (
        await api.call("POST", "/stores/1/orders", {**ORDER, "external_id": external_id})
    ).status == 201
    answer = await api.call("PATCH", f"/stores/1/orders/{encoded}", {"financial_status": "paid"})
    assert (answer.status, answer.body["external_id"]) == (200, external_id)
    assert api.sandbox.writes(1, "orders", external_id) == 2


async def test_unencoded_slash_is_another_route(api: Api) -> None:
    await api.call("POST", "/stores/1/orders", {**ORDER, "external_id": "a/b"})
    answer = await api.call("PATCH", "/stores/1/orders/a/b", {"financial_status": "paid"})
    assert (answer.status, answer.body) == (404, {"message": "Not Found"})


# -- upserts and their bodies -------------------------------------------------------------------


async def test_order_upsert_creates_then_updates_with_the_documented_body(api: Api) -> None:
    created = await api.call("POST", "/stores/1/orders", ORDER)
    assert created.status == 201
    assert created.raw == orjson.dumps(
        {
            "external_id": "ORDER-1001",
            "store_id": 1,
            "total_price": "49.90",
            "currency": "EUR",
            "financial_status": None,
            "fulfillment_status": None,
            "tags": [],
            "created_at": "2026-05-18T10:00:00+00:00",
        }
    )
    updated = await api.call("POST", "/stores/1/orders", ORDER)
    assert (updated.status, updated.body) == (200, created.body)
    assert api.sandbox.writes(1, "orders", "ORDER-1001") == 2
    assert len(api.sandbox.records(1, "orders")) == 1


async def test_post_replaces_the_whole_record(api: Api) -> None:
    await api.call("POST", "/stores/1/orders", {**ORDER, "tags": ["a"], "financial_status": "paid"})
    replaced = await api.call("POST", "/stores/1/orders", {**ORDER, "currency": None})
    assert (
        replaced.body["currency"],
        replaced.body["financial_status"],
        replaced.body["tags"],
    ) == (
        None,
        None,
        [],
    )
    record = api.sandbox.record(1, "orders", "ORDER-1001")
    assert record is not None
    assert "tags" not in record.data


async def test_order_created_at_is_placed_at_in_utc(api: Api) -> None:
    answer = await api.call(
        "POST",
        "/stores/1/orders",
        {**ORDER, "placed_at": "2026-05-18T12:30:15.250+02:00", "total_price": 5},
    )
    assert (answer.body["created_at"], answer.body["total_price"]) == (
        "2026-05-18T10:30:15+00:00",
        "5.00",
    )


async def test_same_external_id_in_two_stores_is_two_records(api: Api) -> None:
    assert (await api.call("POST", "/stores/1/orders", ORDER)).status == 201
    other = await api.call("POST", "/stores/3/orders", ORDER, key=OTHER_TEAM_API_KEY)
    assert (other.status, other.body["store_id"]) == (201, 3)


async def test_unknown_fields_are_ignored(api: Api) -> None:
    answer = await api.call(
        "POST", "/stores/1/checkouts", {**CHECKOUT, "status": "completed", "colour": "red"}
    )
    assert (answer.status, answer.body["status"]) == (201, "abandoned")
    record = api.sandbox.record(1, "checkouts", "CHECKOUT-7700")
    assert record is not None
    assert "colour" not in record.data


async def test_checkout_upsert_and_patch(api: Api) -> None:
    created = await api.call("POST", "/stores/1/checkouts", CHECKOUT)
    assert created.status == 201
    assert created.body == {
        "external_id": "CHECKOUT-7700",
        "store_id": 1,
        "status": "abandoned",
        "total_price": "49.90",
        "currency": "EUR",
        "recovery_url": "https://shop.example.com/checkout/recover/7700",
        "tags": [],
        "created_at": "2026-05-18T09:40:00+00:00",
    }
    patched = await api.call(
        "PATCH", "/stores/1/checkouts/CHECKOUT-7700", {"status": "recovered", "tags": ["won"]}
    )
    assert patched.status == 200
    assert patched.body == {**created.body, "status": "recovered", "tags": ["won"]}
    again = await api.call("POST", "/stores/1/checkouts", CHECKOUT)
    assert (again.status, again.body["status"], again.body["tags"]) == (200, "recovered", [])


async def test_customer_upsert_body_has_no_phone(api: Api) -> None:
    answer = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert answer.status == 201
    assert answer.raw == orjson.dumps(
        {
            "external_id": "CUST-42",
            "store_id": 1,
            "first_name": "Marie",
            "last_name": None,
            "email": "marie@example.com",
            "locale": None,
            "tags": ["vip"],
            "lifetime_value": 1299,
            "orders_count": 7,
        }
    )


async def test_customer_without_external_id_is_keyed_by_phone(api: Api) -> None:
    body = {"phone": " +33612345678 ", "first_name": "Test", "external_id": ""}
    first = await api.call("POST", "/stores/1/customers", body)
    assert (first.status, first.body["external_id"], first.body["first_name"]) == (
        201,
        None,
        "Test",
    )
    second = await api.call("POST", "/stores/1/customers", {**body, "first_name": "Again"})
    assert second.status == 200
    assert list(api.sandbox.records(1, "customers")) == ["+33612345678"]


async def test_shipment_links_the_internal_order_id(api: Api) -> None:
    await api.call("POST", "/stores/1/orders", {**ORDER, "external_id": "ORDER-0"})
    await api.call("POST", "/stores/1/orders", ORDER)
    order = api.sandbox.record(1, "orders", "ORDER-1001")
    assert order is not None
    answer = await api.call("POST", "/stores/1/shipments", SHIPMENT)
    assert answer.status == 201
    assert answer.body == {
        "external_id": "SHIP-9001",
        "store_id": 1,
        "order_id": order.id,
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": "https://track.example.com/1Z999AA10123456784",
        "carrier": "Colissimo",
        "status": "in_transit",
    }
    assert order.id == 2
    unlinked = await api.call(
        "POST",
        "/stores/1/shipments",
        {**SHIPMENT, "external_id": "S2", "order_external_id": "NOPE"},
    )
    assert (unlinked.status, unlinked.body["order_id"]) == (201, None)


# -- PATCH and DELETE ---------------------------------------------------------------------------


async def test_order_patch_merges_only_the_mutable_fields(api: Api) -> None:
    await api.call(
        "POST",
        "/stores/1/orders",
        {**ORDER, "tags": ["a", "b"], "fulfillment_status": "unfulfilled"},
    )
    answer = await api.call(
        "PATCH",
        "/stores/1/orders/ORDER-1001",
        {"financial_status": "paid", "tags": ["c"], "total_price": 1, "metadata": {"k": 1}},
    )
    assert answer.status == 200
    assert answer.body == {
        "external_id": "ORDER-1001",
        "store_id": 1,
        "total_price": "49.90",
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "tags": ["c"],
        "created_at": "2026-05-18T10:00:00+00:00",
    }
    record = api.sandbox.record(1, "orders", "ORDER-1001")
    assert record is not None
    assert (record.data["metadata"], record.data["total_price"]) == ({"k": 1}, 49.9)


@pytest.mark.parametrize(
    ("resource", "message"), [("orders", "Order not found"), ("checkouts", "Checkout not found")]
)
async def test_patch_of_a_missing_record_is_404(api: Api, resource: str, message: str) -> None:
    answer = await api.call("PATCH", f"/stores/1/{resource}/NOPE", {"tags": []})
    assert (answer.status, answer.body) == (404, {"error": message})
    assert answer.headers["X-RateLimit-Remaining"] == "59"


async def test_patch_is_validated(api: Api) -> None:
    await api.call("POST", "/stores/1/checkouts", CHECKOUT)
    answer = await api.call("PATCH", "/stores/1/checkouts/CHECKOUT-7700", {"status": "lost"})
    assert (answer.status, answer.body) == (
        422,
        {
            "message": "The selected status is invalid.",
            "errors": {"status": ["The selected status is invalid."]},
        },
    )
    assert api.sandbox.writes(1, "checkouts", "CHECKOUT-7700") == 1


async def test_delete_soft_deletes_and_answers_204(api: Api) -> None:
    await api.call("POST", "/stores/1/customers", CUSTOMER)
    answer = await api.call("DELETE", "/stores/1/customers/CUST-42", key=DEFAULT_API_KEY)
    assert (answer.status, answer.raw) == (204, b"")
    assert answer.headers["X-RateLimit-Remaining"] == "58"
    record = api.sandbox.record(1, "customers", "CUST-42")
    assert record is not None
    assert (record.deleted, record.writes) == (True, 2)
    for _ in range(2):  # already deleted, then unknown: still 204
        assert (await api.call("DELETE", "/stores/1/customers/CUST-42")).status == 204
    assert (await api.call("DELETE", "/stores/1/customers/NOPE")).status == 204
    assert api.sandbox.writes(1, "customers", "CUST-42") == 2
    restored = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert restored.status == 201


async def test_delete_of_a_missing_customer_can_be_404(serve: Serve) -> None:
    api = await serve(missing_delete=404)
    answer = await api.call("DELETE", "/stores/1/customers/NOPE")
    assert (answer.status, answer.body) == (404, {"error": "Customer not found"})
    await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert (await api.call("DELETE", "/stores/1/customers/CUST-42")).status == 204


def test_missing_delete_accepts_only_204_or_404() -> None:
    with pytest.raises(ValueError, match="204 or 404"):
        KanalSandbox(missing_delete=410)  # type: ignore[arg-type]


# -- validation ---------------------------------------------------------------------------------


async def test_the_seed_422_example_exactly(api: Api) -> None:
    answer = await api.call("POST", "/stores/1/orders", {**ORDER, "customer": {"first_name": "M"}})
    assert answer.status == 422
    assert answer.body == {
        "message": "The customer.phone field is required.",
        "errors": {"customer.phone": ["The customer.phone field is required."]},
    }
    assert api.sandbox.records(1, "orders") == {}


async def test_several_errors_are_summarised(api: Api) -> None:
    answer = await api.call("POST", "/stores/1/shipments", {"status": "lost"})
    assert answer.body == {
        "message": "The external id field is required. (and 2 more errors)",
        "errors": {
            "external_id": ["The external id field is required."],
            "order_external_id": ["The order external id field is required."],
            "status": ["The selected status is invalid."],
        },
    }


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"not json", "application/json"),
        (b'["a list"]', "application/json"),
        (b'"a string"', "application/json"),
        (b"", "application/json"),
        (orjson.dumps({"phone": "+33612345678"}), "text/plain"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_empty_input(
    api: Api, raw: bytes, content_type: str
) -> None:
    answer = await api.call(
        "POST", "/stores/1/customers", raw=raw, headers={"Content-Type": content_type}
    )
    assert (answer.status, answer.body) == (
        422,
        {
            "message": "The phone field is required.",
            "errors": {"phone": ["The phone field is required."]},
        },
    )


# -- rate limit ---------------------------------------------------------------------------------


async def test_rate_limit_headers_and_the_429(serve: Serve) -> None:
    api = await serve(rate_limit=RateLimit(limit=2, window=1))
    remaining = [
        (await api.call("POST", "/stores/1/customers", CUSTOMER)).headers["X-RateLimit-Remaining"]
        for _ in range(2)
    ]
    assert remaining == ["1", "0"]
    refused = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert (refused.status, refused.body) == (429, {"message": "Too Many Attempts."})
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "1"
    assert int(refused.headers["X-RateLimit-Reset"]) >= 1_000_000_000
    # Another store has its own window.
    other = await api.call("POST", "/stores/3/customers", CUSTOMER, key=OTHER_TEAM_API_KEY)
    assert (other.status, other.headers["X-RateLimit-Remaining"]) == (201, "1")
    assert api.sandbox.writes(1, "customers", "CUST-42") == 2
    await anyio.sleep(1.05)
    after = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert (after.status, after.headers["X-RateLimit-Remaining"]) == (200, "1")


async def test_no_rate_limit_means_no_headers(serve: Serve) -> None:
    api = await serve(rate_limit=None)
    answer = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert answer.status == 201
    assert "X-RateLimit-Limit" not in answer.headers
