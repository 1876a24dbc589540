"""Receiving Karla's webhook deliveries: verify the signature, then read the event.

::

    from aiohttp import web


    async def on_event(event: WebhookEvent) -> None:
        if event.source == "shipments":
            ...


    app = web.Application()
    app.router.add_post("/karla/webhook", webhook_handler(secret, on_event))

`read_event` is the pure part (header and raw body in, `WebhookEvent` out), for any framework;
`webhook_handler` wraps it for ``aiohttp.web``: 200 once ``on_event`` returned, 401 when the
signature cannot be trusted, 400 when the body is not an event. This module is the one place
outside the transport and the sandboxes that imports aiohttp: a receiver is a server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from attrs import field, frozen

from shopbridge.core._errors import InvalidEventError
from shopbridge.karla._signature import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    SignatureError,
    verify_signature,
)
from shopbridge.karla._wire import from_wire

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["InvalidEventError", "WebhookEvent", "read_event", "receive_event", "webhook_handler"]


@frozen(kw_only=True)
class WebhookEvent:
    """One delivery (``specs/karla.md`` §6.4).

    Attributes:
        source: ``shipments`` or ``claims``.
        ref: the event's ref, e.g. ``shipments/delivered/SUCCESSFULLY_DELIVERED``.
        version: the payload version.
        triggered_at: when it happened.
        event_group: e.g. ``shipment_delivered``.
        event_data: the source's data (``shipment_id`` ... or ``claim_id`` ...).
        context: ``{order, customer, shipments, claims}``.
        shop_slug: the shop it is about.
        shop_id: the shop's uuid.
        extra: fields Karla added that this version does not know.
    """

    source: str
    ref: str
    version: int | None = None
    triggered_at: datetime | None = None
    event_group: str | None = None
    event_data: Mapping[str, Any] = field(factory=dict)
    context: Mapping[str, Any] = field(factory=dict)
    shop_slug: str | None = None
    shop_id: str | None = None
    extra: Mapping[str, Any] = field(factory=dict, repr=False, eq=False)

    @property
    def dedup_key(self) -> tuple[str, str | None, str | None]:
        """What to deduplicate deliveries on: Karla sends no delivery id (spec §6.4).

        ``(ref, shipment_id or claim_id, triggered_at)``.
        """
        subject = self.event_data.get("shipment_id") or self.event_data.get("claim_id")
        stamp = None if self.triggered_at is None else self.triggered_at.isoformat()
        return (self.ref, None if subject is None else str(subject), stamp)


def parse_event(body: bytes) -> WebhookEvent:
    """Read a delivery's raw body into a `WebhookEvent` (no signature check).

    Raises:
        InvalidEventError: the body is not JSON, or not an event.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        msg = "the webhook body is not JSON"
        raise InvalidEventError(msg) from None
    try:
        return from_wire(data, WebhookEvent)
    except Exception:  # noqa: BLE001 - whatever cattrs raises, the body is not an event
        msg = "the webhook body is not a Karla event (it needs at least source and ref)"
        raise InvalidEventError(msg) from None


def read_event(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """Verify a delivery's ``Karla-Signature`` over its raw body, then read the event.

    Raises:
        SignatureError: the signature cannot be trusted (see `verify_signature`).
        InvalidEventError: it can, but the body is not an event.
    """
    verify_signature(secret, header, body, tolerance=tolerance, now=now)
    return parse_event(body)


async def receive_event(
    request: web.BaseRequest, secret: str, *, tolerance: float = DEFAULT_TOLERANCE
) -> WebhookEvent:
    """`read_event` for an ``aiohttp.web`` request: reads its raw body and its header.

    Raises:
        SignatureError: the signature cannot be trusted.
        InvalidEventError: the body is not an event.
    """
    body = await request.read()
    return read_event(secret, request.headers.get(SIGNATURE_HEADER), body, tolerance=tolerance)


def webhook_handler(
    secret: str,
    on_event: Callable[[WebhookEvent], Awaitable[None]],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An ``aiohttp.web`` handler that verifies each delivery and hands its event on.

    Answers 200 once `on_event` returned (Karla's acknowledgement), 401 for a signature that
    cannot be trusted, 400 for a body that is not an event. An exception from `on_event`
    propagates (aiohttp answers 500, so Karla may deliver it again).
    """
    # Imported here: `import shopbridge` must not load aiohttp's server for everyone.
    from aiohttp import web  # noqa: PLC0415

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            event = await receive_event(request, secret, tolerance=tolerance)
        except SignatureError as exc:
            return web.json_response({"error": str(exc)}, status=401)
        except InvalidEventError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        await on_event(event)
        return web.json_response({"received": True})

    return handle
