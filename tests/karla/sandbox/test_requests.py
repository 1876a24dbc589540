"""The Karla sandbox reads a request as Karla does: Basic auth, roles, accounts, routes, version."""

from __future__ import annotations

import base64
from typing import Any

import pytest

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
    KarlaShop,
)
from tests.karla.sandbox.support import (
    Api,
    Serve,
    basic,
    keyed,
    upsert,
)

pytestmark = pytest.mark.anyio


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
