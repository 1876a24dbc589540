"""What the Kanal sandbox tests share: the records they send and a client of the raw API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from attrs import frozen
from multidict import CIMultiDictProxy
from yarl import URL

from shopbridge.kanal.sandbox import (
    DEFAULT_API_KEY,
    KanalSandbox,
)

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
