"""Karla's orders and shipments in the sandbox (``specs/karla.md`` §2.2, §2.3, §7.6).

* ``POST /orders`` places an order; an ``order_number`` or ``external_id`` the shop already has
  answers ``409 order_exists``.
* ``PUT /orders`` upserts by ``id`` + ``id_type`` and never answers 409: with ``order`` it
  creates or replaces the order (its UUID stays); without, the order must exist
  (``404 order_not_found``). Each tracking creates, or updates, the order's shipment with that
  ``tracking_number``. ``PUT /orders/bulk`` does the same for a list, all or nothing.
* ``PATCH`` an order (address merged, ``expected_number_of_shipments``) or one of its shipments
  (``tracking_url``; ``products`` replaced); ``POST /shipments/{id}/events`` appends an event,
  once per ``external_id``.

A bad zip code answers ``422 zip_code_invalid``, a carrier code that is not of the form of
Karla's (lower-case letters, digits, ``_``) ``422 carrier_reference_invalid``, before anything
is written. Placing an order, a new shipment and a pushed event are webhook events.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shopbridge.karla.sandbox._models import (
    ORDER_PLACEMENT,
    ORDER_UPDATE,
    ORDER_UPSERT,
    PAGINATION,
    SHIPMENT_EVENT,
    SHIPMENT_UPDATE,
)
from shopbridge.karla.sandbox._schema import DateTime, Field, ListOf, Text, Uuid
from shopbridge.karla.sandbox._state import Call, Endpoint, KarlaState, paginate
from shopbridge.karla.sandbox._tracking import (
    PHASES,
    STATES,
    check_upsert,
    emit_shipment_event,
    new_event,
    render_order,
    render_tracking,
    shop_uuid,
    zip_errors,
)
from shopbridge.karla.sandbox._wire import KarlaError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ENDPOINTS"]

# -- the writes --------------------------------------------------------------------------------


def _order_data(
    placement: Mapping[str, Any], order_uuid: str, analytics: Mapping[str, Any] | None
) -> dict[str, Any]:
    data = {"uuid": order_uuid, **placement}
    if analytics:
        data["order_analytics"] = {**(placement.get("order_analytics") or {}), **analytics}
    return data


def _attach(
    state: KarlaState, shop: str, order: Mapping[str, Any], tracking: Mapping[str, Any]
) -> None:
    """Create or update the order's shipment with the tracking's number."""
    previous = state.find_tracking(shop, order["uuid"], tracking["tracking_number"])
    now = state.now()
    old_carrier = previous["carrier"] if previous is not None else {}
    carrier = {
        "tracking_number": tracking["tracking_number"],
        "carrier_reference": tracking["carrier_reference"] or old_carrier.get("carrier_reference"),
        "tracking_url": tracking["tracking_url"] or old_carrier.get("tracking_url"),
    }
    products = tracking["products"]
    if products is None:
        products = previous["products"] if previous is not None else order.get("products") or []
    events = list(previous["events"]) if previous is not None else []
    if previous is None:
        events.append(new_event("ORDER_PROCESSED", now, None, "order_processed"))
    shipment = state.save_shipment(
        shop,
        {
            "id": previous["id"] if previous is not None else state.new_id(),
            "merchant_id": shop_uuid(state, shop),
            "order_id": order["uuid"],
            "order_number": order["order_number"],
            "carrier": carrier,
            "external_shipment_id": tracking["external_shipment_id"]
            or (previous or {}).get("external_shipment_id"),
            "tracking_placed_at": tracking["tracking_placed_at"]
            or (previous or {}).get("tracking_placed_at")
            or now,
            "products": products,
            "events": events,
            "state": previous["state"] if previous is not None else "transit",
            "updated_at": now,
        },
    )
    if previous is None:
        emit_shipment_event(
            state,
            shop,
            order=order,
            shipment=shipment,
            name="ORDER_PROCESSED",
            phase="order_processed",
        )


def _apply_upsert(state: KarlaState, shop: str, item: Mapping[str, Any]) -> dict[str, Any]:
    existing = state.find_order(shop, item["id_type"], item["id"])
    order = existing
    if item["order"] is not None:
        if existing is not None:
            order_uuid = existing["uuid"]
        elif item["id_type"] == "uuid":
            order_uuid = item["id"]
        else:
            order_uuid = state.new_id()
        order = state.save_order(
            shop, _order_data(item["order"], order_uuid, item.get("order_analytics"))
        )
        if existing is None:
            emit_shipment_event(
                state, shop, order=order, shipment=None, name="ORDER_CREATED", phase="order_created"
            )
    assert order is not None  # noqa: S101 - checked by the caller before any write
    for tracking in item["trackings"]:
        _attach(state, shop, order, tracking)
    return render_order(state, shop, state.live(shop, "orders", order["uuid"]) or order)


def _missing_orders(state: KarlaState, shop: str, items: list[Mapping[str, Any]]) -> list[int]:
    """Indexes of the items without `order` whose order neither exists nor comes earlier."""
    coming: set[tuple[str, str]] = set()
    missing = []
    for index, item in enumerate(items):
        key = (item["id_type"], item["id"])
        if item["order"] is not None:
            coming.add(key)
            placement = item["order"]
            coming.update(
                {
                    ("order_number", placement["order_number"]),
                    ("external_id", placement["external_id"]),
                }
            )
            if placement.get("order_name"):
                coming.add(("order_name", placement["order_name"]))
        elif key not in coming and state.find_order(shop, *key) is None:
            missing.append(index)
    return missing


def _not_found_errors(indexes: list[int], *, bulk: bool) -> list[dict[str, Any]]:
    return [
        {
            "loc": ["body", index, "id"] if bulk else ["body", "id"],
            "msg": "the order does not exist; give `order` to create it",
            "type": "value_error",
            "field": "id",
        }
        for index in indexes
    ]


# -- the handlers ------------------------------------------------------------------------------


def _search(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    query, shop = call.query, call.slug
    candidates: list[dict[str, Any]]
    for id_type in ("uuid", "external_id", "order_number"):
        if query[id_type] is not None:
            found = state.find_order(shop, id_type, query[id_type])
            candidates = [found] if found is not None else []
            break
    else:
        candidates = state.live_all(shop, "orders")
    placed_from = _moment(query["order_placed_from"])
    placed_to = _moment(query["order_placed_to"])
    since = _moment(query["shipment_updated_since"])
    matches = []
    for order in candidates:
        if any(
            query[name] is not None and order.get(name) != query[name]
            for name in ("uuid", "external_id", "order_number", "order_name", "email_id")
        ):
            continue
        if query["zip_code"] is not None and order["address"].get("zip_code") != query["zip_code"]:
            continue
        placed = _moment(order.get("order_placed_at"))
        if placed_from is not None and (placed is None or placed < placed_from):
            continue
        if placed_to is not None and (placed is None or placed > placed_to):
            continue
        if since is not None and not any(
            datetime.fromisoformat(shipment["updated_at"]) >= since
            for shipment in state.shipments_of(shop, order["uuid"])
        ):
            continue
        matches.append(order)
    return [render_order(state, shop, order) for order in paginate(matches, call)]


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _place(state: KarlaState, call: Call) -> dict[str, Any]:
    shop, placement = call.slug, call.body
    bad_zip = zip_errors(placement["address"], ("body",))
    if bad_zip:
        raise KarlaError("zip_code_invalid", errors=bad_zip)
    for name in ("order_number", "external_id"):
        if state.find_order(shop, name, placement[name]) is not None:
            raise KarlaError(
                "order_exists",
                errors=[
                    {
                        "loc": ["body", name],
                        "msg": f"an order with this {name} exists",
                        "type": "value_error",
                        "field": name,
                    }
                ],
            )
    order = state.save_order(shop, _order_data(placement, state.new_id(), None))
    emit_shipment_event(
        state, shop, order=order, shipment=None, name="ORDER_CREATED", phase="order_created"
    )
    return render_order(state, shop, order)


def _upsert(state: KarlaState, call: Call) -> dict[str, Any]:
    check_upsert(call.body, ("body",))
    if _missing_orders(state, call.slug, [call.body]):
        raise KarlaError("order_not_found", errors=_not_found_errors([0], bulk=False))
    return _apply_upsert(state, call.slug, call.body)


def _bulk(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    # All or nothing: every item is checked before the first is written.
    for index, item in enumerate(call.body):
        check_upsert(item, ("body", index))
    missing = _missing_orders(state, call.slug, call.body)
    if missing:
        raise KarlaError("order_not_found", errors=_not_found_errors(missing, bulk=True))
    return [_apply_upsert(state, call.slug, item) for item in call.body]


def _existing_order(state: KarlaState, call: Call) -> dict[str, Any]:
    order = state.live(call.slug, "orders", call.path["order_id"])
    if order is None:
        raise KarlaError("order_not_found")
    return order


def _update(state: KarlaState, call: Call) -> dict[str, Any]:
    order = _existing_order(state, call)
    changes = call.body
    if changes.get("address") is not None:
        bad_zip = zip_errors({**order["address"], **changes["address"]}, ("body",))
        if bad_zip:
            raise KarlaError("zip_code_invalid", errors=bad_zip)
        order["address"] = {**order["address"], **changes["address"]}
    if changes.get("expected_number_of_shipments") is not None:
        order["expected_number_of_shipments"] = changes["expected_number_of_shipments"]
    return render_order(state, call.slug, state.save_order(call.slug, order))


def _shipment_of(state: KarlaState, call: Call, order: Mapping[str, Any]) -> dict[str, Any]:
    shipment = state.live(call.slug, "shipments", call.path["shipment_id"])
    if shipment is None or shipment["order_id"] != order["uuid"]:
        raise KarlaError("shipment_not_found")
    return shipment


def _update_shipment(state: KarlaState, call: Call) -> dict[str, Any]:
    order = _existing_order(state, call)
    shipment = _shipment_of(state, call, order)
    if "tracking_url" in call.body:
        shipment["carrier"] = {**shipment["carrier"], "tracking_url": call.body["tracking_url"]}
    if call.body.get("products") is not None:
        shipment["products"] = call.body["products"]
    shipment["updated_at"] = state.now()
    return render_tracking(call.slug, state.save_shipment(call.slug, shipment))


def _push_event(state: KarlaState, call: Call) -> dict[str, Any]:
    shop = call.slug
    shipment = state.live(shop, "shipments", call.path["shipment_id"])
    if shipment is None:
        raise KarlaError("shipment_not_found")
    body = call.body
    if any(event.get("external_id") == body["external_id"] for event in shipment["events"]):
        return render_tracking(shop, shipment)  # the same event again: nothing new happened
    name = body["event_name"]
    phase = PHASES.get(name.upper(), "in_transit")
    shipment["events"] = [
        *shipment["events"],
        new_event(name, body["event_time"], body["external_id"], phase),
    ]
    shipment["state"] = STATES.get(phase, "transit")
    shipment["updated_at"] = state.now()
    stored = state.save_shipment(shop, shipment)
    order = state.live(shop, "orders", stored["order_id"])
    if order is not None:
        emit_shipment_event(state, shop, order=order, shipment=stored, name=name, phase=phase)
    return render_tracking(shop, stored)


_SHOP = "/shops/{slug}"
_SEARCH_QUERY = (
    *PAGINATION,
    *(Field(name=name, kind=Text()) for name in ("email_id", "external_id", "order_name")),
    Field(name="order_number", kind=Text()),
    Field(name="uuid", kind=Uuid()),
    Field(name="zip_code", kind=Text()),
    Field(name="order_placed_from", kind=DateTime()),
    Field(name="order_placed_to", kind=DateTime()),
    Field(name="shipment_updated_since", kind=DateTime()),
)

ENDPOINTS = (
    Endpoint(
        method="GET", pattern=f"{_SHOP}/orders", handler=_search, query=_SEARCH_QUERY, paged=True
    ),
    Endpoint(method="POST", pattern=f"{_SHOP}/orders", handler=_place, body=ORDER_PLACEMENT),
    Endpoint(method="PUT", pattern=f"{_SHOP}/orders", handler=_upsert, body=ORDER_UPSERT),
    Endpoint(
        method="PUT", pattern=f"{_SHOP}/orders/bulk", handler=_bulk, body=ListOf(item=ORDER_UPSERT)
    ),
    Endpoint(
        method="PATCH", pattern=f"{_SHOP}/orders/{{order_id}}", handler=_update, body=ORDER_UPDATE
    ),
    Endpoint(
        method="PATCH",
        pattern=f"{_SHOP}/orders/{{order_id}}/shipments/{{shipment_id}}",
        handler=_update_shipment,
        body=SHIPMENT_UPDATE,
    ),
    Endpoint(
        method="POST",
        pattern=f"{_SHOP}/shipments/{{shipment_id}}/events",
        handler=_push_event,
        body=SHIPMENT_EVENT,
    ),
)
"""The order and shipment operations; the paths are below ``/v1``."""
