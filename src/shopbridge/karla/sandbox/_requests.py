"""How the Karla sandbox reads a request: its route, its Basic credentials, its parameters.

Everything here is what FastAPI and Karla's auth dependency do before a handler runs: find the
operation (`ENDPOINTS`, `ROUTES`), read ``Authorization: Basic`` (400 when it is missing or
wrong, 401 for an expired key; spec §1.3), and validate the path, the query and the body,
collecting every error into one 422 (`read_call`).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from shopbridge._sandbox.responses import json_response
from shopbridge._sandbox.routing import Route
from shopbridge.karla.sandbox import _catalogue, _claims, _marketing, _orders, _shops
from shopbridge.karla.sandbox._models import IMAGE_TYPES
from shopbridge.karla.sandbox._schema import Choice, Integer, Uuid, parse_json_body, parse_query
from shopbridge.karla.sandbox._state import Call, Endpoint
from shopbridge.karla.sandbox._wire import DetailError, RequestValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aiohttp import web

    from shopbridge.karla.sandbox._accounts import KarlaAccounts, KarlaApiKey
    from shopbridge.karla.sandbox._schema import Errors, Kind

__all__ = ["ENDPOINTS", "ROUTES", "authenticate", "read_call", "success"]

ENDPOINTS: tuple[Endpoint, ...] = (
    *_shops.ENDPOINTS,
    *_orders.ENDPOINTS,
    *_marketing.ENDPOINTS,
    *_claims.ENDPOINTS,
    *_catalogue.ENDPOINTS,
)
"""Every operation of spec §2.2-2.11 the sandbox serves."""
ROUTES = tuple(
    Route(endpoint.method, f"/v1{endpoint.pattern}", str(index))
    for index, endpoint in enumerate(ENDPOINTS)
)
"""The routes of `ENDPOINTS`, each named by its index there."""

_PATH_KINDS: Mapping[str, Kind] = {
    "order_id": Uuid(),
    "shipment_id": Uuid(),
    "uuid": Uuid(),
    "campaign_uuid": Uuid(),
    "product_position": Integer(),
    "image_type": Choice(values=IMAGE_TYPES),
}
"""Path parameters FastAPI would type (the slugs and the catalogue's ids are any text)."""


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if header is None:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def authenticate(accounts: KarlaAccounts, authorization: str | None) -> KarlaApiKey:
    """The key, or the refusal: 400 for missing or wrong credentials, 401 if expired.

    Raises:
        DetailError: the refusal.
    """
    credentials = _basic_credentials(authorization)
    if credentials is None:
        raise DetailError(400, "Not authenticated: send HTTP Basic username:api_key")
    username, password = credentials
    key = accounts.key(password)
    if key is None or key.username != username:
        raise DetailError(400, "Invalid username or API key")
    if key.expired:
        raise DetailError(401, "The API key has expired or was deleted")
    return key


async def read_call(
    request: web.BaseRequest,
    endpoint: Endpoint,
    params: Mapping[str, str],
    *,
    api_key: str,
    slug: str | None,
) -> Call:
    """Validate the path, query and body as FastAPI does: every error, then one 422.

    Raises:
        RequestValidationError: the errors.
    """
    errors: Errors = []
    path = {
        name: _PATH_KINDS[name].check(value, ("path", name), errors)
        if name in _PATH_KINDS
        else value
        for name, value in params.items()
    }
    query = parse_query(endpoint.query, request.query, errors)
    body: Any = None
    raw = await request.read()
    content_type = request.headers.get("Content-Type")
    if endpoint.upload:
        body = _shops.parse_upload(raw, content_type, errors)
    elif endpoint.body is not None:
        before = len(errors)
        data = parse_json_body(raw, content_type, errors)
        if len(errors) == before:
            body = endpoint.body.check(data, ("body",), errors)
    if errors:
        raise RequestValidationError(errors)
    return Call(shop=slug, api_key=api_key, path=path, query=query, body=body)


def success(endpoint: Endpoint, call: Call, payload: Any, *, wrap: bool) -> web.Response:
    """200 with the bare resource, or ``{"data": ..., "metadata": ...}`` when `wrap`."""
    if wrap:
        metadata = (
            {"page": call.query["page"], "per_page": call.query["per_page"]}
            if endpoint.paged
            else {}
        )
        payload = {"data": payload, "metadata": metadata}
    return json_response(200, payload)
