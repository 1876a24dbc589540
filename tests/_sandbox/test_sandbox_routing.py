"""Routing on the raw path: an encoded slash never moves a request to another route."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from shopbridge._sandbox.routing import RawPathRouter, Route, decoded_segments, path_of

if TYPE_CHECKING:
    from collections.abc import Mapping

ROUTER = RawPathRouter(
    [
        Route("POST", "/api/stores/{store}/orders", "orders"),
        Route("PATCH", "/api/stores/{store}/orders/{id}", "order"),
        Route("PATCH", "/api/stores/{store}/orders/{id}/notes", "notes"),
        Route("DELETE", "/api/stores/{store}/orders/{id}", "order"),
    ]
)


@pytest.mark.parametrize(
    ("raw_path", "name", "params"),
    [
        ("/api/stores/1/orders", "orders", {"store": "1"}),
        ("/api/stores/1/orders/", "orders", {"store": "1"}),
        ("/api/stores/1/orders?x=1", "orders", {"store": "1"}),
        ("/api/stores/1/orders/a%2Fb", "order", {"store": "1", "id": "a/b"}),
        ("/api/stores/1/orders/a%2Fnotes", "order", {"store": "1", "id": "a/notes"}),
        ("/api/stores/1/orders/%2E%2E", "order", {"store": "1", "id": ".."}),
        ("/api/stores/1/orders/a%3Fb%23c", "order", {"store": "1", "id": "a?b#c"}),
        ("/api/stores/1/orders/a/notes", "notes", {"store": "1", "id": "a"}),
        ("/api/stores/%31/orders", "orders", {"store": "1"}),
    ],
)
def test_routes_match_raw_segments(raw_path: str, name: str, params: Mapping[str, str]) -> None:
    method = "POST" if name == "orders" else "PATCH"
    resolution = ROUTER.resolve(method, raw_path)
    assert resolution.route is not None
    assert (resolution.route.name, dict(resolution.params)) == (name, params)


def test_a_known_path_with_another_method_lists_the_allowed_ones() -> None:
    resolution = ROUTER.resolve("GET", "/api/stores/1/orders/x")
    assert (resolution.route, resolution.allowed) == (None, ("PATCH", "DELETE"))


@pytest.mark.parametrize(
    "raw_path", ["/api/stores//orders", "/api/stores/1/orders/a/b", "/api", "/", ""]
)
def test_unknown_paths_match_nothing(raw_path: str) -> None:
    assert ROUTER.resolve("PATCH", raw_path).allowed == ()


def test_segments_decode_after_splitting() -> None:
    assert decoded_segments("/a%2Fb/c%20d/%FF/") == ["a/b", "c d", "\ufffd"]
    assert path_of("/a/b?c=d#e") == "/a/b"


@pytest.mark.anyio
async def test_aiohttp_decodes_the_path_but_keeps_the_raw_one() -> None:
    """The aiohttp behaviour the sandboxes rely on, pinned: ``raw_path`` keeps ``%2F``."""
    seen: dict[str, str] = {}

    async def handler(request: web.BaseRequest) -> web.Response:
        seen.update(path=request.path, raw_path=request.raw_path)
        return web.Response()

    runner = web.ServerRunner(web.Server(handler))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        url = URL(f"http://127.0.0.1:{port}/orders/a%2Fb%3Fc", encoded=True)
        async with aiohttp.ClientSession() as session, session.patch(url) as response:
            assert response.status == 200
    finally:
        await runner.cleanup()
    assert seen == {"path": "/orders/a/b?c", "raw_path": "/orders/a%2Fb%3Fc"}


@pytest.mark.anyio
async def test_aiohttp_router_keeps_an_encoded_slash_in_one_segment() -> None:
    """aiohttp's own router (3.10+) gets ``%2F`` right too; the sandboxes route on the raw path
    anyway, for Laravel's 404/405 bodies and to depend on no router version."""
    matched: list[tuple[str, str]] = []

    async def item(request: web.Request) -> web.Response:
        matched.append(("item", request.match_info["id"]))
        return web.Response()

    async def notes(request: web.Request) -> web.Response:
        matched.append(("notes", request.match_info["id"]))
        return web.Response()

    app = web.Application()
    app.router.add_patch("/orders/{id}", item)
    app.router.add_patch("/orders/{id}/notes", notes)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            for path in ("a%2Fnotes", "a/notes", "%2E%2E"):
                url = URL(f"http://127.0.0.1:{port}/orders/{path}", encoded=True)
                async with session.patch(url) as response:
                    assert response.status == 200
    finally:
        await runner.cleanup()
    assert matched == [("item", "a/notes"), ("notes", "a"), ("item", "..")]
