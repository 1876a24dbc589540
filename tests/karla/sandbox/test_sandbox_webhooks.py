"""The Karla sandbox's outbound webhooks: envelopes, subscriptions, signatures, loopback only."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any

import anyio
import orjson
import pytest
from aiohttp import web
from attrs import define, field

from shopbridge.karla.sandbox import DEFAULT_SHOP
from tests.karla.sandbox.support import Api, Serve, tracking, upsert

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


pytestmark = pytest.mark.anyio


@define
class Receiver:
    """A webhook receiver on loopback that records every delivery and answers `status`."""

    url: str = ""
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hooks = Receiver()

    async def handle(request: web.Request) -> web.Response:
        hooks.received.append((dict(request.headers), await request.read()))
        return web.Response(status=hooks.status)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hooks.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield hooks
    finally:
        await runner.cleanup()


def verify(secret: str, header: str, body: bytes) -> int:
    """Check a Karla-Signature independently of the library: returns its timestamp."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())
    return int(parts["t"])


async def subscribe(api: Api, url: str, **more: Any) -> dict[str, Any]:
    return await api.ok("POST", "/webhooks", {"url": url, **more})  # type: ignore[no-any-return]


async def test_events_are_delivered_signed(serve: Serve, receiver: Receiver) -> None:
    api = await serve(deliver_webhooks=True)
    webhook = await subscribe(api, receiver.url)
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking()]))
    shipment_id = order["trackings"][0]["id"]
    event = {"event_name": "SUCCESSFULLY_DELIVERED", "event_time": 0, "external_id": "e1"}
    await api.ok("POST", f"/shipments/{shipment_id}/events", event)
    with anyio.fail_after(10):
        deliveries = await api.sandbox.wait_for_deliveries(3)
    assert [d.ref for d in deliveries] == [
        "shipments/order_created/ORDER_CREATED",
        "shipments/order_processed/ORDER_PROCESSED",
        "shipments/delivered/SUCCESSFULLY_DELIVERED",
    ]
    assert all((d.status, d.error) == (200, None) for d in deliveries)
    assert len(receiver.received) == 3
    for headers, body in receiver.received:
        timestamp = verify(webhook["secret"], headers["Karla-Signature"], body)
        assert abs(time.time() - timestamp) < 60
        assert headers["Content-Type"] == "application/json"
    headers, body = receiver.received[-1]
    envelope = orjson.loads(body)
    assert {
        key: envelope[key] for key in ("source", "ref", "version", "event_group", "shop_slug")
    } == {
        "source": "shipments",
        "ref": "shipments/delivered/SUCCESSFULLY_DELIVERED",
        "version": 1,
        "event_group": "shipment_delivered",
        "shop_slug": DEFAULT_SHOP,
    }
    assert envelope["event_data"]["shipment_id"] == shipment_id
    assert envelope["event_data"]["tracking_number"] == "T-1"
    assert envelope["context"]["order"]["uuid"] == order["uuid"]
    assert envelope["context"]["customer"]["email"] == "marie@example.com"
    assert envelope["shop_id"] == (await api.ok("GET", f"/shops/{DEFAULT_SHOP}"))["uuid"]
    assert body in {d.body for d in deliveries}


async def test_subscriptions_choose_their_events(serve: Serve, receiver: Receiver) -> None:
    api = await serve(deliver_webhooks=True)
    await subscribe(api, receiver.url, enabled_events=["shipments/order_processed"])
    await subscribe(api, receiver.url, enabled_events=["claims"])
    await subscribe(api, receiver.url, status="inactive")
    order = await api.ok("PUT", "/orders", upsert(trackings=[tracking()]))
    await api.ok(
        "POST", "/claims", {"reason": "damage", "shipment_id": order["trackings"][0]["id"]}
    )
    with anyio.fail_after(10):
        deliveries = await api.sandbox.wait_for_deliveries(2)
    assert sorted(d.ref for d in deliveries) == [
        "claims/created",
        "shipments/order_processed/ORDER_PROCESSED",
    ]
    claim_body = orjson.loads(next(d.body for d in deliveries if d.ref == "claims/created"))
    assert claim_body["source"] == "claims"
    assert claim_body["event_data"]["reason"] == "damage"
    assert len(api.sandbox.events(DEFAULT_SHOP)) == 3  # order created, shipment, claim


async def test_only_loopback_urls_get_deliveries(serve: Serve) -> None:
    api = await serve(deliver_webhooks=True)
    await subscribe(api, "http://192.0.2.1/hook")
    await subscribe(api, "https://hooks.example.com/hook")
    await api.ok("POST", "/orders", upsert()["order"])
    with anyio.fail_after(10):
        deliveries = await api.sandbox.wait_for_deliveries(2)
    only_here = "is not a loopback address (the sandbox delivers to this machine only)"
    assert [(d.status, d.error) for d in deliveries] == [
        (None, f"refused: 192.0.2.1 {only_here}"),
        (None, f"refused: hooks.example.com {only_here}"),
    ]


async def test_a_failing_receiver_is_recorded(serve: Serve, receiver: Receiver) -> None:
    receiver.status = 500
    api = await serve(deliver_webhooks=True)
    await subscribe(api, receiver.url)
    await subscribe(api, "http://127.0.0.1:9/closed")
    await api.ok("POST", "/orders", upsert()["order"])
    with anyio.fail_after(10):
        deliveries = await api.sandbox.wait_for_deliveries(2)
    by_url = {d.url: d for d in deliveries}
    assert by_url[receiver.url].status == 500
    closed = by_url["http://127.0.0.1:9/closed"]
    assert closed.status is None
    assert closed.error is not None


async def test_delivery_is_off_by_default_but_events_are_kept(
    serve: Serve, receiver: Receiver
) -> None:
    api = await serve()
    await subscribe(api, receiver.url)
    await api.ok("POST", "/orders", upsert()["order"])
    await anyio.sleep(0.1)
    assert receiver.received == []
    assert api.sandbox.deliveries() == []
    [event] = api.sandbox.events()
    assert event["ref"] == "shipments/order_created/ORDER_CREATED"
