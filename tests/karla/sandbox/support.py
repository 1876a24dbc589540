"""What the Karla sandbox tests share: bodies, Basic headers, envelopes and a raw-API client."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from attrs import frozen
from multidict import CIMultiDictProxy
from yarl import URL

from shopbridge.karla._table import ERROR_KEYS
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    KarlaSandbox,
)

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
