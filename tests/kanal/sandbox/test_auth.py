"""The Kanal sandbox checks key and store in the documented order, with the documented bodies."""

from __future__ import annotations

import pytest

from shopbridge.kanal.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    OTHER_TEAM_API_KEY,
    OTHER_TEAM_STORE_ID,
    PAUSED_STORE_ID,
    SINGLE_STORE_API_KEY,
    KanalAccounts,
    KanalApiKey,
    KanalStore,
    RateLimit,
)
from tests.kanal.sandbox.support import CUSTOMER, ORDER, Api, Serve

pytestmark = pytest.mark.anyio


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
