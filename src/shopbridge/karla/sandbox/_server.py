"""`KarlaSandbox`: the kit's server with Karla's auth, handlers, answers and webhook events.

Each request is answered as Karla's FastAPI app would: Basic credentials first (400, 401;
`shopbridge.karla.sandbox._requests`), then the shop the key may reach and its role (403), the
optional rate limiter (429), the path, query and body validated at once (422), the shop itself
(``404 shop_not_found``), and the handler of the operation; its refusals become Karla's
envelope or FastAPI's ``{"detail": ...}`` (`shopbridge.karla.sandbox._wire`). Every answer
echoes a ``Karla-Version``. Writes emit webhook events, delivered when asked for
(`shopbridge.karla.sandbox._delivery`).
"""

from __future__ import annotations

import re
import threading
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from shopbridge._sandbox.faults import NO_FAULTS, Faults
from shopbridge._sandbox.server import SandboxServer
from shopbridge.karla._table import ERROR_KEYS
from shopbridge.karla.sandbox._accounts import DEFAULT_ACCOUNTS, KarlaAccounts, KarlaApiKey
from shopbridge.karla.sandbox._catalogue import find_variant
from shopbridge.karla.sandbox._delivery import (
    WebhookDeliverer,
    WebhookDelivery,
    build_envelope,
    subscribed,
)
from shopbridge.karla.sandbox._models import SHOP_CREATE
from shopbridge.karla.sandbox._requests import ENDPOINTS, ROUTES, authenticate, read_call, success
from shopbridge.karla.sandbox._shops import DEFAULT_SETTINGS, new_shop
from shopbridge.karla.sandbox._state import Event, KarlaState
from shopbridge.karla.sandbox._tracking import render_order, shop_uuid
from shopbridge.karla.sandbox._wire import (
    DetailError,
    KarlaError,
    RequestValidationError,
    ValidationStyle,
    detail_response,
    envelope,
    error_response,
    validation_response,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from aiohttp import web

    from shopbridge._sandbox.ratelimit import RateLimit, RateLimitDecision
    from shopbridge._sandbox.routing import Route
    from shopbridge.karla.sandbox._schema import Errors

__all__ = ["LATEST_KARLA_VERSION", "KarlaSandbox"]

LATEST_KARLA_VERSION = "2024-01-05"
"""The ``Karla-Version`` answered when a request names none, or none that is a date."""

_SERVER_ERROR_KEYS = {key.status: key.key for key in ERROR_KEYS.values() if key.type == "api_error"}
_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RESOURCES = (
    "shop",
    "settings",
    "keys",
    "images",
    "orders",
    "shipments",
    "campaigns",
    "discounts",
    "announcements",
    "webhooks",
    "claims",
    "products",
    "shopify_webhooks",
)


class KarlaSandbox(SandboxServer):
    """An in-memory Karla API on ``aiohttp.web``.

    Args:
        accounts: the shops and keys (default: `DEFAULT_ACCOUNTS`).
        host: the address to listen on.
        port: the port; 0 picks a free one.
        rate_limit: a per-shop limit answering 429 with ``Retry-After``; ``None`` (the
            default) for none, as Karla documents none.
        faults: the faults to inject, as `Faults` or a compact spec (``"503=0.1,500=0.02"``).
        seed: the seed of the fault generator; ``None`` seeds from the operating system.
        wrap_responses: answer successes as ``{"data": ..., "metadata": ...}`` instead of the
            bare resource (spec §2.1, Q1).
        validation_errors: schema failures as FastAPI's ``{"detail": [...]}`` (``"fastapi"``,
            the default) or in Karla's envelope with key ``request_validation_error``
            (``"envelope"``) (spec §3.2, Q6).
        deliver_webhooks: POST each event to the shop's matching subscriptions (loopback URLs
            only), signed with ``Karla-Signature``.
        delivery_timeout: seconds a webhook receiver has to answer.

    Raises:
        FaultSpecError: `faults` is a spec string that cannot be read.
        ValueError: `validation_errors` is neither style.
    """

    api_name = "karla"
    api_root = "/v1"
    scopes_name = "shops"
    resources = _RESOURCES

    def __init__(
        self,
        *,
        accounts: KarlaAccounts = DEFAULT_ACCOUNTS,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: RateLimit | None = None,
        faults: Faults | str = NO_FAULTS,
        seed: int | None = 0,
        wrap_responses: bool = False,
        validation_errors: ValidationStyle = "fastapi",
        deliver_webhooks: bool = False,
        delivery_timeout: float = 5.0,
    ) -> None:
        if validation_errors not in ("fastapi", "envelope"):
            msg = f"validation_errors must be 'fastapi' or 'envelope', got {validation_errors!r}"
            raise ValueError(msg)
        self.accounts = accounts
        self.wrap_responses = wrap_responses
        self.validation_errors: ValidationStyle = validation_errors
        self.deliver_webhooks = deliver_webhooks
        super().__init__(host=host, port=port, rate_limit=rate_limit, faults=faults, seed=seed)
        self._deliverer = WebhookDeliverer(timeout=delivery_timeout)
        self._events: list[dict[str, Any]] = []
        self._events_lock = threading.Lock()
        self._state = KarlaState(
            self._records,
            emit=self._emit,
            reachable=self._reachable,
            members=accounts.members_json(),
        )
        self._seed_shops()

    def describe(self) -> list[str]:
        """Lines for a human: the keys, the shops, the limit, faults, webhooks, inspection."""
        lines = ["API keys (Basic username:key):"]
        for key in self.accounts.keys:
            notes = [", ".join(key.shops), key.role] + (["expired"] if key.expired else [])
            lines.append(f"  {key.username}:{key.key:<14} {'; '.join(notes)}")
        rate = self.rate_limit
        limit = f"{rate.limit} requests per {rate.window:g} s per shop" if rate else "off"
        deliveries = "on (loopback URLs only)" if self.deliver_webhooks else "off"
        return [
            *lines,
            f"Shops: {', '.join(shop.slug for shop in self.accounts.shops)}",
            f"Rate limit: {limit}",
            f"Faults: {self.faults.spec()}",
            f"Webhook delivery: {deliveries}",
            *super().describe(),
        ]

    # -- what a test reads and does --------------------------------------------------------------

    def find_order(
        self, shop: str, order_id: str, *, id_type: str = "order_number"
    ) -> dict[str, Any] | None:
        """An order as ``GET /orders`` shows it, looked up as an upsert does; ``None`` if none."""
        order = self._state.find_order(shop, id_type, order_id)
        return None if order is None else render_order(self._state, shop, order)

    def find_product(self, shop: str, product_id: str) -> dict[str, Any] | None:
        """A live product with its variants by ``variant_id``, as stored; ``None`` if none."""
        return self._state.live(shop, "products", product_id)

    def find_variant(self, shop: str, product_id: str, variant_id: str) -> dict[str, Any] | None:
        """A live variant of the catalogue, as stored; ``None`` if none."""
        return find_variant(self._state, shop, product_id, variant_id)

    def events(self, shop: str | None = None) -> list[dict[str, Any]]:
        """The webhook envelopes of every event so far (of one shop), delivered or not."""
        with self._events_lock:
            return [event for event in self._events if shop is None or event["shop_slug"] == shop]

    def deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery finished so far, refused ones included."""
        return self._deliverer.deliveries()

    async def wait_for_deliveries(self, count: int) -> list[WebhookDelivery]:
        """Wait until `count` deliveries have finished; from any event loop, on any thread.

        Bound it with ``anyio.fail_after(seconds)``: a delivery that never comes waits forever.
        """
        return await self._deliverer.wait_for(count)

    def fail_next(self, key: str, *, times: int = 1) -> None:
        """Answer the next `times` API requests with Karla's error `key`, before processing.

        Any key of the errors page works (``unexpected`` → 500, ``bad_gateway`` → 502,
        ``service_not_implemented`` → 501, ``campaign_exists`` → 409...), in its exact
        envelope. Nothing is written for those requests; the stats count them as faults named
        by the key.

        Raises:
            ValueError: `key` is not one of Karla's, or `times` is below 1.
        """
        if key not in ERROR_KEYS:
            msg = f"{key!r} is not one of Karla's error keys; see shopbridge.karla.ERROR_KEYS"
            raise ValueError(msg)
        self._queue_answers(key, lambda: error_response(key), times=times)

    def reset(self) -> None:
        """Forget everything written, counted, emitted and delivered; back to the defaults."""
        super().reset()
        self._state.clear()
        with self._events_lock:
            self._events.clear()
        self._deliverer.clear()
        self._seed_shops()

    def inspection_views(self) -> Mapping[str, Callable[[], Any]]:
        """``/_sandbox/events`` and ``/_sandbox/deliveries``."""
        return {
            "events": self.events,
            "deliveries": lambda: [delivery.to_json() for delivery in self.deliveries()],
        }

    async def stop(self) -> None:
        """Cancel webhook deliveries in flight, then stop listening (idempotent)."""
        await self._deliverer.close()
        await super().stop()

    # -- SandboxServer hooks ------------------------------------------------------------------

    def _routes(self) -> Sequence[Route]:
        return ROUTES

    def _not_found(self) -> web.StreamResponse:
        return detail_response(404, "Not Found")

    def _method_not_allowed(
        self, method: str, raw_path: str, allowed: tuple[str, ...]
    ) -> web.StreamResponse:
        return detail_response(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})

    def _too_many_requests(self, decision: RateLimitDecision) -> web.StreamResponse:
        return detail_response(429, "Too Many Requests", headers=decision.headers())

    def _server_error_payload(self, status: int) -> Any:
        # 500, 501 and 502 have Karla's keys; a 503 or 504 comes from in front of the app.
        key = _SERVER_ERROR_KEYS.get(status)
        return envelope(key) if key is not None else {"detail": HTTPStatus(status).phrase}

    def parse_scope(self, text: str) -> str | None:
        """The shop slug `text`, if the sandbox has had such a shop."""
        return text if text in self._state.shop_slugs() else None

    def scopes(self) -> list[int | str]:
        """Every shop slug."""
        return list(self._state.shop_slugs())

    async def _handle(
        self, request: web.BaseRequest, route: Route, params: Mapping[str, str]
    ) -> web.StreamResponse:
        endpoint = ENDPOINTS[int(route.name)]
        decision: RateLimitDecision | None = None
        response: web.StreamResponse
        try:
            key = authenticate(self.accounts, request.headers.get("Authorization"))
            slug = params.get("slug")
            self._authorize(key, slug, request.method)
            decision = self._count_hit(slug if slug is not None else f"key:{key.key}")
            if decision is not None and not decision.allowed:
                return self._too_many_requests(decision)
            call = await read_call(request, endpoint, params, api_key=key.key, slug=slug)
            if slug is not None and self._state.live(slug, "shop", slug) is None:
                raise KarlaError("shop_not_found")
            payload = endpoint.handler(self._state, call)
            response = success(endpoint, call, payload, wrap=self.wrap_responses)
        except KarlaError as error:
            response = error_response(error.key, error.errors)
        except DetailError as error:
            response = detail_response(error.status, error.detail, headers=error.headers)
        except RequestValidationError as error:
            response = validation_response(error.items, style=self.validation_errors)
        if decision is not None:
            response.headers.update(decision.headers())
        asked = request.headers.get("Karla-Version", "").strip()
        response.headers["Karla-Version"] = (
            asked if _VERSION.fullmatch(asked) else LATEST_KARLA_VERSION
        )
        return response

    # -- auth, validation, answers --------------------------------------------------------------

    def _authorize(self, key: KarlaApiKey, slug: str | None, method: str) -> None:
        if slug is not None and not self._reachable(key.key, slug):
            raise DetailError(403, f"The API key does not give access to shop {slug!r}")
        if key.role == "viewer" and method != "GET":
            raise DetailError(403, "The API key's role (viewer) may only read")

    def _reachable(self, api_key: str, slug: str) -> bool:
        key = self.accounts.key(api_key)
        return key is not None and (key.covers(slug) or self._state.granted(api_key, slug))

    # -- events and the default shops ----------------------------------------------------------

    def _emit(self, shop: str, event: Event) -> None:
        body = build_envelope(shop, shop_uuid(self._state, shop), event)
        with self._events_lock:
            self._events.append(body)
        if not self.deliver_webhooks:
            return
        for webhook in self._state.live_all(shop, "webhooks"):
            if webhook["status"] == "active" and subscribed(webhook["enabled_events"], event.ref):
                self._deliverer.deliver(webhook, body)

    def _seed_shops(self) -> None:
        for shop in self.accounts.shops:
            errors: Errors = []
            fields = SHOP_CREATE.check(
                {
                    "name": shop.name,
                    "organization": shop.organization,
                    "klaviyo_enabled": False,
                    "slug": shop.slug,
                },
                (),
                errors,
            )
            self._state.seed(shop.slug, "shop", shop.slug, new_shop(self._state, fields))
            self._state.seed(shop.slug, "settings", shop.slug, DEFAULT_SETTINGS)
