"""Karla's webhooks and claims in the sandbox (``specs/karla.md`` §2.9, §2.10, §2.11).

A webhook created without a ``secret`` gets one (32 URL-safe characters, within the documented
16-64), ``enabled_events`` defaults to ``["*"]`` and ``status`` to ``active``. Karla documents
no key for a duplicate webhook, so the sandbox takes duplicates.

The webhooks Karla registers in a shop's Shopify (``/shopify/webhooks``) are one per
``webhook_type`` ("create a webhook if it does not exist"): a second of a type answers 409, with
FastAPI's ``{"detail": ...}`` since the errors page has no key for it; an unknown one is ``404
webhook_not_found``. Nothing is sent to Shopify: the registration gets a made-up ``shopify_id``.

A claim names its shipment by ``shipment_id`` or ``tracking_number`` (``404
shipment_not_found`` when the shop has none such). The errors page has no ``claim_not_found``:
an unknown claim answers FastAPI's ``404 {"detail": "Claim not found"}``. Creating and
updating a claim are webhook events (``claims/created``, ``claims/updated``).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from shopbridge.karla.sandbox._marketing import live_or_raise, matches
from shopbridge.karla.sandbox._models import (
    CLAIM,
    CLAIM_UPDATE,
    PAGINATION,
    SHOPIFY_WEBHOOK_CREATE,
    WEBHOOK_CREATE,
    WEBHOOK_UPDATE,
)
from shopbridge.karla.sandbox._schema import Choice, Field, Text, Uuid
from shopbridge.karla.sandbox._state import Call, Endpoint, Event, KarlaState, paginate
from shopbridge.karla.sandbox._tracking import customer_of, render_order, render_tracking
from shopbridge.karla.sandbox._wire import (
    DetailError,
    KarlaError,
    RequestValidationError,
    field_error,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ENDPOINTS", "generate_secret"]


def generate_secret() -> str:
    """A new webhook secret: 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


# -- webhooks ----------------------------------------------------------------------------------


def _search_webhooks(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    found = [
        w
        for w in state.live_all(call.slug, "webhooks")
        if matches(w, call.query, ("uuid", "status", "url"))
    ]
    return paginate(found, call)


def _create_webhook(state: KarlaState, call: Call) -> dict[str, Any]:
    now = state.now()
    webhook = {
        "uuid": state.new_id(),
        **call.body,
        "secret": call.body["secret"] or generate_secret(),
        "shop_slug": call.slug,
        "created_at": now,
        "updated_at": now,
    }
    return state.put(call.slug, "webhooks", webhook["uuid"], webhook)


def _update_webhook(state: KarlaState, call: Call) -> dict[str, Any]:
    key = call.path["uuid"]
    webhook = live_or_raise(state, call.slug, "webhooks", key, "webhook_not_found")
    changes = {name: value for name, value in call.body.items() if value is not None}
    return state.put(call.slug, "webhooks", key, {**webhook, **changes, "updated_at": state.now()})


def _delete_webhook(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, "webhooks", call.path["uuid"])
    if deleted is None:
        raise KarlaError("webhook_not_found")
    return deleted


# -- Shopify webhook registrations ---------------------------------------------------------------

_SHOPIFY_TOPICS = {
    "order_creation": "orders/create",
    "order_fulfillment": "orders/fulfilled",
    "order_partial_fulfillment": "orders/partially_fulfilled",
    "order_update": "orders/updated",
    "order_fulfillment_update": "fulfillments/update",
}
_SHOPIFY = "shopify_webhooks"


def _shopify_webhooks(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    return paginate(state.live_all(call.slug, _SHOPIFY), call)


def _create_shopify_webhook(state: KarlaState, call: Call) -> dict[str, Any]:
    kind = call.body["webhook_type"]
    if any(hook["webhook_type"] == kind for hook in state.live_all(call.slug, _SHOPIFY)):
        raise DetailError(409, f"A Shopify webhook of type {kind!r} exists")
    now, uuid = state.now(), state.new_id()
    webhook = {
        "uuid": uuid,
        "webhook_type": kind,
        "name": f"karla-{kind}",
        "topic": _SHOPIFY_TOPICS[kind],
        "hook_url": f"https://hooks.sandbox.gokarla.invalid/shopify/{call.slug}/{kind}",
        "shopify_id": int(uuid.replace("-", "")[:12], 16),
        "fields": [],
        "shop_slug": call.slug,
        "created_at": now,
        "updated_at": now,
    }
    return state.put(call.slug, _SHOPIFY, uuid, webhook)


def _shopify_webhook(state: KarlaState, call: Call) -> dict[str, Any]:
    return live_or_raise(state, call.slug, _SHOPIFY, call.path["uuid"], "webhook_not_found")


def _delete_shopify_webhook(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, _SHOPIFY, call.path["uuid"])
    if deleted is None:
        raise KarlaError("webhook_not_found")
    return deleted


# -- claims ------------------------------------------------------------------------------------


def _claim_shipment(state: KarlaState, shop: str, body: Mapping[str, Any]) -> dict[str, Any]:
    if body["shipment_id"] is not None:
        shipment = state.live(shop, "shipments", body["shipment_id"])
    elif body["tracking_number"] is not None:
        shipment = state.find_shipment_by_tracking(shop, body["tracking_number"])
    else:
        raise RequestValidationError(
            [
                field_error(
                    ("body", "shipment_id"),
                    "Value error, give shipment_id or tracking_number",
                    "value_error",
                    value=None,
                )
            ]
        )
    if shipment is None:
        raise KarlaError("shipment_not_found")
    return shipment


def _emit_claim(state: KarlaState, shop: str, claim: Mapping[str, Any], action: str) -> None:
    order = state.live(shop, "orders", claim["order_id"])
    shipment = state.live(shop, "shipments", claim["shipment_id"])
    state.emit(
        shop,
        Event(
            source="claims",
            ref=f"claims/{action}",
            event_group=f"claim_{action}",
            event_data={
                "claim_id": claim["uuid"],
                "event_name": action,
                "event_group": f"claim_{action}",
                "created_at": claim["created_at"],
                "updated_at": claim["updated_at"],
                "resolution_preference": claim["resolution_preference"],
                "reason": claim["reason"],
                "status": claim["status"],
                "description": claim["description"],
                "customer_signature_image_url": claim["customer_signature_image_url"],
                "selected_items": claim["selected_items"],
                "image_urls": claim["image_urls"],
                "optional_image_urls": [],
            },
            context={
                "order": render_order(state, shop, order) if order is not None else None,
                "customer": customer_of(order) if order is not None else None,
                "shipments": [render_tracking(shop, shipment)] if shipment is not None else [],
                "claims": [dict(claim)],
            },
        ),
    )


def _claim_or_404(state: KarlaState, call: Call) -> dict[str, Any]:
    claim = state.live(call.slug, "claims", call.path["uuid"])
    if claim is None:
        raise DetailError(404, "Claim not found")
    return claim


def _search_claims(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    names = ("order_id", "shipment_id", "resolution_preference", "status")
    found = [c for c in state.live_all(call.slug, "claims") if matches(c, call.query, names)]
    return paginate(found, call)


def _create_claim(state: KarlaState, call: Call) -> dict[str, Any]:
    shop, body = call.slug, call.body
    shipment = _claim_shipment(state, shop, body)
    order = state.live(shop, "orders", shipment["order_id"]) or {}
    weight = order.get("weight")
    now = state.now()
    claim = {
        "uuid": state.new_id(),
        **body,
        "shipment_id": shipment["id"],
        "order_id": shipment["order_id"],
        "order_number": shipment["order_number"],
        "shop_slug": shop,
        "address": order.get("address"),
        "net_invoice_amount": order.get("total_order_price"),
        "tracking_number": shipment["carrier"]["tracking_number"],
        "carrier_reference": shipment["carrier"]["carrier_reference"],
        "scan_date": None,
        "weight_kg": weight / 1000 if isinstance(weight, int | float) else None,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    stored = state.put(shop, "claims", claim["uuid"], claim)
    _emit_claim(state, shop, stored, "created")
    return stored


def _update_claim(state: KarlaState, call: Call) -> dict[str, Any]:
    claim = _claim_or_404(state, call)
    changes = {name: value for name, value in call.body.items() if value is not None}
    stored = state.put(
        call.slug, "claims", claim["uuid"], {**claim, **changes, "updated_at": state.now()}
    )
    _emit_claim(state, call.slug, stored, "updated")
    return stored


def _delete_claim(state: KarlaState, call: Call) -> dict[str, Any]:
    claim = _claim_or_404(state, call)
    state.delete(call.slug, "claims", claim["uuid"])
    return {**claim, "deleted_at": state.now()}


_SHOP = "/shops/{slug}"
_WEBHOOK_QUERY = (
    *PAGINATION,
    Field(name="uuid", kind=Uuid()),
    Field(name="status", kind=Choice(values=("active", "inactive"))),
    Field(name="url", kind=Text()),
)
_CLAIM_QUERY = (
    *PAGINATION,
    Field(name="order_id", kind=Uuid()),
    Field(name="shipment_id", kind=Uuid()),
    Field(name="resolution_preference", kind=Choice(values=("reorder", "refund"))),
    Field(name="status", kind=Choice(values=("pending", "accepted", "rejected", "closed"))),
)

ENDPOINTS = (
    Endpoint(
        method="GET",
        pattern=f"{_SHOP}/webhooks",
        handler=_search_webhooks,
        query=_WEBHOOK_QUERY,
        paged=True,
    ),
    Endpoint(
        method="POST", pattern=f"{_SHOP}/webhooks", handler=_create_webhook, body=WEBHOOK_CREATE
    ),
    Endpoint(
        method="PATCH",
        pattern=f"{_SHOP}/webhooks/{{uuid}}",
        handler=_update_webhook,
        body=WEBHOOK_UPDATE,
    ),
    Endpoint(method="DELETE", pattern=f"{_SHOP}/webhooks/{{uuid}}", handler=_delete_webhook),
    Endpoint(
        method="GET",
        pattern=f"{_SHOP}/shopify/webhooks",
        handler=_shopify_webhooks,
        query=PAGINATION,
        paged=True,
    ),
    Endpoint(
        method="POST",
        pattern=f"{_SHOP}/shopify/webhooks",
        handler=_create_shopify_webhook,
        body=SHOPIFY_WEBHOOK_CREATE,
    ),
    Endpoint(method="GET", pattern=f"{_SHOP}/shopify/webhooks/{{uuid}}", handler=_shopify_webhook),
    Endpoint(
        method="DELETE",
        pattern=f"{_SHOP}/shopify/webhooks/{{uuid}}",
        handler=_delete_shopify_webhook,
    ),
    Endpoint(
        method="GET",
        pattern=f"{_SHOP}/claims",
        handler=_search_claims,
        query=_CLAIM_QUERY,
        paged=True,
    ),
    Endpoint(method="POST", pattern=f"{_SHOP}/claims", handler=_create_claim, body=CLAIM),
    Endpoint(
        method="PUT", pattern=f"{_SHOP}/claims/{{uuid}}", handler=_update_claim, body=CLAIM_UPDATE
    ),
    Endpoint(method="DELETE", pattern=f"{_SHOP}/claims/{{uuid}}", handler=_delete_claim),
)
"""The webhook (Karla's and Shopify's) and claim operations; the paths are below ``/v1``."""
