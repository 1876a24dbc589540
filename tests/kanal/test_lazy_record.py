"""`Upserted.record` is read on first access: when an unreadable answer raises, and what stays.

A real aiohttp server on loopback (port 0) answers 2xx bodies the sandbox never would.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from shopbridge.core._errors import RequestFailedError
from shopbridge.kanal import AsyncKanal, OrderRecord, Upserted

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio

ORDER = {
    "external_id": "ORDER-1",
    "placed_at": "2026-05-18T10:00:00+00:00",
    "total_price": 49.9,
    "customer": {"phone": "+33612345678"},
}
ECHO = {"external_id": "ORDER-1", "store_id": 1, "total_price": "49.90", "tags": []}


@pytest.fixture
async def server() -> AsyncIterator[str]:
    async def orders(request: web.Request) -> web.Response:
        body = {
            "record": ECHO,
            "object-not-a-record": {"unexpected": True},
            "html": "<html>proxy</html>",
        }[request.match_info["answer"]]
        if isinstance(body, str):
            return web.Response(status=201, text=body, content_type="text/html")
        return web.json_response(body, status=201)

    app = web.Application()
    app.router.add_post("/{answer}/stores/1/orders", orders)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def upsert(base_url: str) -> Upserted[OrderRecord]:
    async with AsyncKanal("key-1234", 1, base_url=base_url) as kanal:
        return await kanal.orders.upsert(ORDER)


async def test_the_record_is_read_on_first_access_and_kept(server: str) -> None:
    result = await upsert(f"{server}/record")
    assert result.created is True
    assert result._record is not result.record  # unread until asked (the sentinel)
    first = result.record
    assert first.external_id == "ORDER-1"
    assert result.record is first  # read once, kept


async def test_an_object_that_is_not_the_record_raises_at_first_access_not_at_the_call(
    server: str,
) -> None:
    result = await upsert(f"{server}/object-not-a-record")
    assert (result.created, result.attempts) == (True, 1)  # the write succeeded: the call did
    with pytest.raises(RequestFailedError) as caught:
        _ = result.record
    assert caught.value.verdict.rule == "kanal-unreadable-answer"
    assert "most likely applied" in caught.value.reason


async def test_an_answer_that_is_no_json_object_still_raises_at_the_call(server: str) -> None:
    with pytest.raises(RequestFailedError) as caught:
        await upsert(f"{server}/html")
    assert caught.value.verdict.rule == "kanal-unreadable-answer"


async def test_a_lazy_result_compares_hashes_and_pickles_as_an_eager_one(server: str) -> None:
    lazy = await upsert(f"{server}/record")
    eager = Upserted(
        record=lazy.record, created=lazy.created, verdict=lazy.verdict, attempts=lazy.attempts
    )
    again = await upsert(f"{server}/record")
    assert again == eager
    assert hash(again) == hash(eager)
    travelled = pickle.loads(pickle.dumps(await upsert(f"{server}/record")))  # noqa: S301 - ours
    assert travelled == eager
    assert repr(eager) == repr(lazy)
    with pytest.raises(AttributeError):
        lazy.created = False  # frozen, as before
