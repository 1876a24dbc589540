"""An outbound webhook from the Karla sandbox, verified and read by `webhook_handler`."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import pytest
from aiohttp import web

from shopbridge.karla import (
    Address,
    ClaimCreate,
    OrderPlacement,
    OrderTracking,
    OrderUpsert,
    ShipmentEvent,
    WebhookCreate,
    WebhookEvent,
    verify_signature,
    webhook_handler,
)
from shopbridge.karla.sandbox import KarlaSandbox
from tests.karla.conftest import client

pytestmark = pytest.mark.anyio


async def test_a_sandbox_delivery_passes_the_handler_and_a_wrong_secret_does_not() -> None:
    received: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        received.append(event)

    secrets: dict[str, str] = {}

    async def handle(request: web.Request) -> web.StreamResponse:
        return await webhook_handler(secrets[request.match_info["name"]], on_event)(request)

    app = web.Application()
    app.router.add_post("/hooks/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with KarlaSandbox(deliver_webhooks=True) as sandbox, client(sandbox) as karla:
            good = await karla.webhooks.create(
                WebhookCreate(url=f"http://127.0.0.1:{port}/hooks/good", enabled_events=["*"])
            )
            bad = await karla.webhooks.create(
                WebhookCreate(url=f"http://127.0.0.1:{port}/hooks/bad", enabled_events=["*"])
            )
            assert good.record is not None
            assert good.record.secret is not None
            secrets["good"] = good.record.secret
            secrets["bad"] = "not-the-secret-of-this-hook"
            assert bad.record is not None

            await karla.orders.upsert(
                OrderUpsert(
                    id="1001",
                    order=OrderPlacement(
                        order_number="1001", external_id="e-1", address=Address(zip_code="10115")
                    ),
                    trackings=[OrderTracking(tracking_number="T-1")],
                )
            )
            (order,) = await karla.orders.search(order_number="1001")
            shipment_id = order.trackings[0].id
            await karla.shipments.add_event(
                shipment_id,
                ShipmentEvent(
                    event_name="DELIVERED",
                    event_time=datetime(2026, 5, 18, tzinfo=UTC),
                    external_id="evt-1",
                ),
            )
            await karla.claims.create(ClaimCreate(reason="damage", shipment_id=shipment_id))
            with anyio.fail_after(5):
                while not sandbox.events() or len(sandbox.deliveries()) < 2 * len(sandbox.events()):  # noqa: ASYNC110 - the sandbox's deliveries have no event to wait on
                    await anyio.sleep(0.01)
            deliveries = sandbox.deliveries()
    finally:
        await runner.cleanup()

    by_url = {
        name: [d for d in deliveries if d.url.endswith(f"/{name}")] for name in ("good", "bad")
    }
    assert by_url["good"]
    assert {d.status for d in by_url["good"]} == {200}
    assert {d.status for d in by_url["bad"]} == {401}
    assert len(received) == len(by_url["good"])
    assert {event.source for event in received} >= {"claims"}
    assert all(event.shop_slug == "sandbox-shop" for event in received)
    for delivery in by_url["good"]:
        header = delivery.headers["Karla-Signature"]
        assert verify_signature(secrets["good"], header, delivery.body) > 0
