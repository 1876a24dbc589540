"""Receiving webhooks: `read_event` and the aiohttp handler, on loopback."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import aiohttp
import orjson
import pytest
from aiohttp import web

from shopbridge.karla import (
    InvalidEventError,
    SignatureMismatchError,
    WebhookEvent,
    read_event,
    sign,
    webhook_handler,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio

SECRET = "whsec-0123456789abcdef"
EVENT = {
    "source": "shipments",
    "ref": "shipments/in_transit/IN_TRANSIT",
    "version": 1,
    "triggered_at": "2026-05-18T10:00:00+00:00",
    "event_group": "shipment_in_transit",
    "event_data": {"shipment_id": "s-1", "tracking_number": "00340434"},
    "context": {"order": {"order_number": "1001"}},
    "shop_slug": "sandbox-shop",
    "shop_id": "a1",
    "delivery_attempt": 2,
}
BODY = orjson.dumps(EVENT)


def test_read_event_verifies_then_reads_the_envelope() -> None:
    event = read_event(SECRET, sign(SECRET, BODY, timestamp=100), BODY, now=100)

    assert event.source == "shipments"
    assert event.event_data["shipment_id"] == "s-1"
    assert event.extra == {"delivery_attempt": 2}
    assert event.dedup_key == (
        "shipments/in_transit/IN_TRANSIT",
        "s-1",
        "2026-05-18T10:00:00+00:00",
    )


def test_read_event_refuses_a_signed_body_that_is_not_an_event() -> None:
    with pytest.raises(InvalidEventError):
        read_event(SECRET, sign(SECRET, b"[1]", timestamp=100), b"[1]", now=100)
    with pytest.raises(InvalidEventError):
        read_event(SECRET, sign(SECRET, b"{", timestamp=100), b"{", now=100)


def test_read_event_checks_the_signature_first() -> None:
    with pytest.raises(SignatureMismatchError):
        read_event(SECRET, sign("not-the-secret-xxxx", BODY, timestamp=100), BODY, now=100)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[WebhookEvent]]]:
    received: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        received.append(event)

    app = web.Application()
    app.router.add_post("/hook", webhook_handler(SECRET, on_event))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("header", "body", "status"),
    [
        pytest.param("good", BODY, 200, id="signed"),
        pytest.param(None, BODY, 401, id="unsigned"),
        pytest.param("tampered", BODY, 401, id="tampered"),
        pytest.param("stale", BODY, 401, id="stale"),
        pytest.param("good", b"not json", 400, id="not-json"),
    ],
)
async def test_the_handler_answers_as_karla_expects(
    receiver: tuple[str, list[WebhookEvent]], header: str | None, body: bytes, status: int
) -> None:
    url, received = receiver
    now = int(time.time())
    headers = {}
    if header == "good":
        headers["Karla-Signature"] = sign(SECRET, body, timestamp=now)
    elif header == "tampered":
        headers["Karla-Signature"] = sign(SECRET, body + b" ", timestamp=now)
    elif header == "stale":
        headers["Karla-Signature"] = sign(SECRET, body, timestamp=now - 3600)

    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as answer,
    ):
        assert answer.status == status
        text = await answer.text()

    assert SECRET not in text
    assert len(received) == (1 if status == 200 else 0)
