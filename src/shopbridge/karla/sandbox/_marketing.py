"""Karla's campaigns, discounts and announcements in the sandbox (``specs/karla.md`` §2.6-2.8).

The natural keys behind the ``*_exists`` answers are open (spec Q10); the sandbox takes the
likeliest: a campaign's ``name`` (``409 campaign_exists``), a discount's ``code``
(``409 voucher_exists``) and an announcement's ``language`` (``409 announcement_exists``), each
within the shop. Only one *enabled* campaign per segment (``409
campaign_active_segment_exists``). A ``promotion_type`` other than ``product``, ``basic`` or
``banner`` answers ``422 campaign_type_invalid``; a ``discount_id`` the shop does not have,
``404 discount_not_found``. A campaign product's position is its 0-based index in
``promotion_properties.products``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shopbridge.karla.sandbox._models import (
    ANNOUNCEMENT,
    ANNOUNCEMENT_UPDATE,
    CAMPAIGN,
    DISCOUNT,
    DISCOUNT_UPDATE,
    LANGUAGES,
    PAGINATION,
    PROMOTION_TYPES,
    text_fields,
)
from shopbridge.karla.sandbox._schema import Boolean, Choice, DateTime, Field, Number, Uuid
from shopbridge.karla.sandbox._shops import image_url
from shopbridge.karla.sandbox._state import Call, Endpoint, KarlaState, paginate
from shopbridge.karla.sandbox._wire import KarlaError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ENDPOINTS", "live_or_raise", "matches"]


def live_or_raise(
    state: KarlaState, shop: str, resource: str, key: str, error: str
) -> dict[str, Any]:
    """The live resource, or the keyed 404 `error`."""
    found = state.live(shop, resource, key)
    if found is None:
        raise KarlaError(error)
    return found


def matches(item: Mapping[str, Any], query: Mapping[str, Any], names: tuple[str, ...]) -> bool:
    """Whether `item` has every value the query gives for `names` (absent ones match)."""
    return all(query[name] is None or item.get(name) == query[name] for name in names)


def _conflict(key: str, name: str, message: str) -> KarlaError:
    return KarlaError(
        key, errors=[{"loc": ["body", name], "msg": message, "type": "value_error", "field": name}]
    )


def _stamped(
    state: KarlaState, previous: Mapping[str, Any] | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    now = state.now()
    created = previous["created_at"] if previous is not None else now
    return {**data, "created_at": created, "updated_at": now}


# -- campaigns ---------------------------------------------------------------------------------


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _status(campaign: Mapping[str, Any]) -> str:
    now = datetime.now(UTC)
    if not campaign["enabled"]:
        return "inactive"
    if datetime.fromisoformat(campaign["start_date"]) > now:
        return "scheduled"
    end = campaign.get("end_date")
    if end is not None and datetime.fromisoformat(end) <= now:
        return "inactive"
    return "active"


def _render_campaign(state: KarlaState, shop: str, campaign: Mapping[str, Any]) -> dict[str, Any]:
    discount_id = campaign.get("discount_id")
    discount = state.live(shop, "discounts", discount_id) if discount_id else None
    return {**campaign, "shop_slug": shop, "status": _status(campaign), "discount": discount}


def _check_campaign(state: KarlaState, shop: str, body: Mapping[str, Any], own: str | None) -> None:
    if body["promotion_type"] not in PROMOTION_TYPES:
        raise KarlaError(
            "campaign_type_invalid",
            errors=[
                {
                    "loc": ["body", "promotion_type"],
                    "msg": f"promotion_type must be one of {', '.join(PROMOTION_TYPES)}",
                    "type": "value_error",
                    "field": "promotion_type",
                }
            ],
        )
    if (
        body["discount_id"] is not None
        and state.live(shop, "discounts", body["discount_id"]) is None
    ):
        raise KarlaError("discount_not_found")
    others = [c for c in state.live_all(shop, "campaigns") if c["uuid"] != own]
    if any(c["name"] == body["name"] for c in others):
        raise _conflict("campaign_exists", "name", "a campaign with this name exists")
    if body["enabled"] and any(c["enabled"] and c["segment"] == body["segment"] for c in others):
        raise _conflict(
            "campaign_active_segment_exists",
            "segment",
            "another enabled campaign targets this segment",
        )


def _search_campaigns(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    query = call.query
    found = []
    for campaign in state.live_all(call.slug, "campaigns"):
        if not matches(campaign, query, ("uuid", "name", "segment", "promotion_type", "enabled")):
            continue
        start, end = campaign["start_date"], campaign.get("end_date")
        if query["start_date"] is not None and _moment(start) < _moment(query["start_date"]):
            continue
        if query["end_date"] is not None and (
            end is None or _moment(end) > _moment(query["end_date"])
        ):
            continue
        found.append(campaign)
    return [_render_campaign(state, call.slug, c) for c in paginate(found, call)]


def _create_campaign(state: KarlaState, call: Call) -> dict[str, Any]:
    _check_campaign(state, call.slug, call.body, None)
    campaign = _stamped(state, None, {"uuid": state.new_id(), **call.body})
    return _render_campaign(
        state, call.slug, state.put(call.slug, "campaigns", campaign["uuid"], campaign)
    )


def _replace_campaign(state: KarlaState, call: Call) -> dict[str, Any]:
    key = call.path["uuid"]
    previous = live_or_raise(state, call.slug, "campaigns", key, "campaign_not_found")
    _check_campaign(state, call.slug, call.body, key)
    campaign = _stamped(state, previous, {"uuid": key, **call.body})
    return _render_campaign(state, call.slug, state.put(call.slug, "campaigns", key, campaign))


def _delete_campaign(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, "campaigns", call.path["uuid"])
    if deleted is None:
        raise KarlaError("campaign_not_found")
    return _render_campaign(state, call.slug, deleted)


def _campaign_image(state: KarlaState, call: Call) -> dict[str, Any]:
    key = call.path["campaign_uuid"]
    campaign = live_or_raise(state, call.slug, "campaigns", key, "campaign_not_found")
    url = image_url(state, call.slug, "campaign", call.body)
    properties = copy.deepcopy(dict(campaign["promotion_properties"]))
    properties["image_url"] = url
    stored = state.put(
        call.slug, "campaigns", key, {**campaign, "promotion_properties": properties}
    )
    return _render_campaign(state, call.slug, stored)


def _product_image(state: KarlaState, call: Call) -> dict[str, Any]:
    key = call.path["campaign_uuid"]
    campaign = live_or_raise(state, call.slug, "campaigns", key, "campaign_not_found")
    properties = copy.deepcopy(dict(campaign["promotion_properties"]))
    products = properties.get("products")
    position = call.path["product_position"]
    if not isinstance(products, list) or not 0 <= position < len(products):
        raise KarlaError("campaign_product_not_found")
    if not isinstance(products[position], dict):
        raise KarlaError("campaign_product_not_found")
    products[position]["image_url"] = image_url(state, call.slug, "product", call.body)
    stored = state.put(
        call.slug, "campaigns", key, {**campaign, "promotion_properties": properties}
    )
    return _render_campaign(state, call.slug, stored)


# -- discounts -------------------------------------------------------------------------------


def _code_taken(state: KarlaState, shop: str, code: str | None, own: str | None) -> None:
    if code is None:
        return
    if any(d["code"] == code and d["uuid"] != own for d in state.live_all(shop, "discounts")):
        raise _conflict("voucher_exists", "code", "a discount with this code exists")


def _search_discounts(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    names = (
        "uuid",
        "code",
        "title",
        "type",
        "value_type",
        "value",
        "target_type",
        "target_selection",
    )
    found = [d for d in state.live_all(call.slug, "discounts") if matches(d, call.query, names)]
    return paginate(found, call)


def _create_discount(state: KarlaState, call: Call) -> dict[str, Any]:
    _code_taken(state, call.slug, call.body["code"], None)
    discount = {"uuid": state.new_id(), **call.body, "shop_slug": call.slug}
    return state.put(call.slug, "discounts", discount["uuid"], discount)


def _update_discount(state: KarlaState, call: Call) -> dict[str, Any]:
    key = call.path["uuid"]
    discount = live_or_raise(state, call.slug, "discounts", key, "discount_not_found")
    _code_taken(state, call.slug, call.body.get("code"), key)
    return state.put(call.slug, "discounts", key, {**discount, **call.body})


def _delete_discount(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, "discounts", call.path["uuid"])
    if deleted is None:
        raise KarlaError("discount_not_found")
    return deleted


# -- announcements -------------------------------------------------------------------------


def _language_taken(state: KarlaState, shop: str, language: str | None, own: str | None) -> None:
    if language is None:
        return
    if any(
        a["language"] == language and a["uuid"] != own
        for a in state.live_all(shop, "announcements")
    ):
        raise _conflict(
            "announcement_exists", "language", "the shop has an announcement in this language"
        )


def _search_announcements(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    found = [
        a
        for a in state.live_all(call.slug, "announcements")
        if matches(a, call.query, ("uuid", "text", "language"))
    ]
    return paginate(found, call)


def _create_announcement(state: KarlaState, call: Call) -> dict[str, Any]:
    _language_taken(state, call.slug, call.body["language"], None)
    announcement = _stamped(
        state, None, {"uuid": state.new_id(), **call.body, "shop_slug": call.slug}
    )
    return state.put(call.slug, "announcements", announcement["uuid"], announcement)


def _update_announcement(state: KarlaState, call: Call) -> dict[str, Any]:
    key = call.path["uuid"]
    previous = live_or_raise(state, call.slug, "announcements", key, "announcement_not_found")
    _language_taken(state, call.slug, call.body.get("language"), key)
    return state.put(
        call.slug, "announcements", key, _stamped(state, previous, {**previous, **call.body})
    )


def _delete_announcement(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, "announcements", call.path["uuid"])
    if deleted is None:
        raise KarlaError("announcement_not_found")
    return deleted


_SHOP = "/shops/{slug}"
_CAMPAIGN_QUERY = (
    *PAGINATION,
    Field(name="uuid", kind=Uuid()),
    *text_fields("name", "segment", "promotion_type"),
    Field(name="start_date", kind=DateTime()),
    Field(name="end_date", kind=DateTime()),
    Field(name="enabled", kind=Boolean()),
)
_DISCOUNT_QUERY = (
    *PAGINATION,
    Field(name="uuid", kind=Uuid()),
    *text_fields("code", "title"),
    Field(name="type", kind=Choice(values=("product", "order", "shipping"))),
    Field(name="value_type", kind=Choice(values=("percentage", "fixed_amount"))),
    Field(name="value", kind=Number()),
    Field(name="target_type", kind=Choice(values=("line_item", "shipping_line"))),
    Field(name="target_selection", kind=Choice(values=("all", "group", "specific"))),
)
_ANNOUNCEMENT_QUERY = (
    *PAGINATION,
    Field(name="uuid", kind=Uuid()),
    *text_fields("text"),
    Field(name="language", kind=Choice(values=LANGUAGES)),
)

ENDPOINTS = (
    Endpoint(
        method="GET",
        pattern=f"{_SHOP}/campaigns",
        handler=_search_campaigns,
        query=_CAMPAIGN_QUERY,
        paged=True,
    ),
    Endpoint(method="POST", pattern=f"{_SHOP}/campaigns", handler=_create_campaign, body=CAMPAIGN),
    Endpoint(
        method="PUT",
        pattern=f"{_SHOP}/campaigns/{{uuid}}",
        handler=_replace_campaign,
        body=CAMPAIGN,
    ),
    Endpoint(method="DELETE", pattern=f"{_SHOP}/campaigns/{{uuid}}", handler=_delete_campaign),
    Endpoint(
        method="POST",
        pattern=f"{_SHOP}/campaigns/{{campaign_uuid}}/image",
        handler=_campaign_image,
        upload=True,
    ),
    Endpoint(
        method="POST",
        pattern=f"{_SHOP}/campaigns/{{campaign_uuid}}/products/{{product_position}}/image",
        handler=_product_image,
        upload=True,
    ),
    Endpoint(
        method="GET",
        pattern=f"{_SHOP}/discounts",
        handler=_search_discounts,
        query=_DISCOUNT_QUERY,
        paged=True,
    ),
    Endpoint(method="POST", pattern=f"{_SHOP}/discounts", handler=_create_discount, body=DISCOUNT),
    Endpoint(
        method="PATCH",
        pattern=f"{_SHOP}/discounts/{{uuid}}",
        handler=_update_discount,
        body=DISCOUNT_UPDATE,
    ),
    Endpoint(method="DELETE", pattern=f"{_SHOP}/discounts/{{uuid}}", handler=_delete_discount),
    Endpoint(
        method="GET",
        pattern=f"{_SHOP}/announcements",
        handler=_search_announcements,
        query=_ANNOUNCEMENT_QUERY,
        paged=True,
    ),
    Endpoint(
        method="POST",
        pattern=f"{_SHOP}/announcements",
        handler=_create_announcement,
        body=ANNOUNCEMENT,
    ),
    Endpoint(
        method="PATCH",
        pattern=f"{_SHOP}/announcements/{{uuid}}",
        handler=_update_announcement,
        body=ANNOUNCEMENT_UPDATE,
    ),
    Endpoint(
        method="DELETE", pattern=f"{_SHOP}/announcements/{{uuid}}", handler=_delete_announcement
    ),
)
"""The campaign, discount and announcement operations; the paths are below ``/v1``."""
