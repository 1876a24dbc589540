"""The Karla sandbox's outbound webhooks: events, their envelope, signed delivery on loopback.

Every write that Karla would notify about becomes an event in the envelope of
``specs/karla.md`` §6.4. With delivery switched on, each event is POSTed, once, to every
``active`` subscription of the shop whose ``enabled_events`` cover its ``ref`` (``*``, the ref
itself, or a prefix of whole segments: ``shipments``, ``shipments/delivered``), signed as §6.3
says::

    Karla-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}." + raw body)>

Deliveries go to loopback addresses only: a subscription whose URL names any other host (or a
host name other than ``localhost``) is recorded as refused, and nothing is sent; no name is
ever looked up. Redirects are not followed. Karla's retry schedule is undocumented (spec Q12):
the sandbox tries once, and records what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import anyio
import orjson
from attrs import frozen
from yarl import URL

from shopbridge.core.sansio._urls import is_loopback
from shopbridge.karla._signature import SIGNATURE_HEADER, sign

if TYPE_CHECKING:
    from shopbridge.karla.sandbox._state import Event

__all__ = ["WebhookDeliverer", "WebhookDelivery", "build_envelope", "subscribed"]


def subscribed(enabled_events: list[str], ref: str) -> bool:
    """Whether a subscription to `enabled_events` covers the event `ref`."""
    for pattern in enabled_events:
        prefix = pattern.strip().rstrip("/")
        if prefix in ("*", ref) or ref.startswith(prefix + "/"):
            return True
    return False


def build_envelope(shop: str, shop_id: str | None, event: Event) -> dict[str, Any]:
    """The delivery body of `event` (spec §6.4)."""
    return {
        "source": event.source,
        "ref": event.ref,
        "version": 1,
        "triggered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "event_group": event.event_group,
        "event_data": dict(event.event_data),
        "context": dict(event.context),
        "shop_slug": shop,
        "shop_id": shop_id,
    }


@frozen(kw_only=True)
class WebhookDelivery:
    """One delivery attempt.

    Attributes:
        webhook_uuid: the subscription.
        url: where it went (or would have).
        ref: the event's ref.
        body: the raw body sent, exactly as signed.
        headers: the headers sent (``Karla-Signature`` among them).
        status: the receiver's HTTP status; ``None`` when nothing answered.
        error: why nothing answered (refused, connection failed, timed out); ``None`` if it did.
    """

    webhook_uuid: str
    url: str
    ref: str
    body: bytes
    headers: Mapping[str, str]
    status: int | None
    error: str | None

    @property
    def signature(self) -> str:
        """The ``Karla-Signature`` header sent."""
        return self.headers[SIGNATURE_HEADER]

    def to_json(self) -> dict[str, Any]:
        """The delivery as the ``/_sandbox/deliveries`` route shows it."""
        return {
            "webhook_uuid": self.webhook_uuid,
            "url": self.url,
            "ref": self.ref,
            "status": self.status,
            "error": self.error,
            "headers": dict(self.headers),
            "body": orjson.loads(self.body),
        }


def _refusal(url: str) -> str | None:
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return "refused: not a URL"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "refused: not an http(s) URL"
    if not is_loopback(parsed.host):
        return (
            f"refused: {parsed.host} is not a loopback address "
            "(the sandbox delivers to this machine only)"
        )
    return None


class WebhookDeliverer:
    """Sends signed deliveries on the sandbox's event loop and records each. Thread-safe reads.

    Args:
        timeout: seconds a receiver has to answer.
    """

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._deliveries: list[WebhookDelivery] = []
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def deliver(self, webhook: Mapping[str, Any], envelope: Mapping[str, Any]) -> None:
        """Send `envelope` to `webhook` in the background (from the sandbox's event loop)."""
        body = orjson.dumps(envelope)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "shopbridge-karla-sandbox",
            SIGNATURE_HEADER: sign(str(webhook["secret"]), body, timestamp=int(time.time())),
        }
        delivery = WebhookDelivery(
            webhook_uuid=str(webhook["uuid"]),
            url=str(webhook["url"]),
            ref=str(envelope["ref"]),
            body=body,
            headers=headers,
            status=None,
            error=_refusal(str(webhook["url"])),
        )
        if delivery.error is not None:
            self._record(delivery)
            return
        task = asyncio.get_running_loop().create_task(self._send(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, delivery: WebhookDelivery) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(
                delivery.url,
                data=delivery.body,
                headers=dict(delivery.headers),
                allow_redirects=False,
            ) as response:
                await response.read()
                status = response.status
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self._record(
            WebhookDelivery(
                webhook_uuid=delivery.webhook_uuid,
                url=delivery.url,
                ref=delivery.ref,
                body=delivery.body,
                headers=delivery.headers,
                status=status,
                error=error,
            )
        )

    def _record(self, delivery: WebhookDelivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)

    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery finished so far (refused ones too), in the order they finished."""
        with self._lock:
            return list(self._deliveries)

    async def wait_for(self, count: int) -> list[WebhookDelivery]:
        """Wait until `count` deliveries have finished; works from any thread's event loop.

        Bound it with ``anyio.fail_after`` (or ``asyncio.timeout``).
        """
        # Polled: the deliveries finish on the sandbox's loop, which may run on another
        # thread, where an event of the waiter's loop cannot be set.
        while len(found := self.deliveries()) < count:  # noqa: ASYNC110
            await anyio.sleep(0.01)
        return found

    def clear(self) -> None:
        """Forget the deliveries recorded."""
        with self._lock:
            self._deliveries.clear()

    async def close(self) -> None:
        """Cancel deliveries in flight and close the HTTP session."""
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()
