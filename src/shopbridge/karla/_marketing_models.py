"""Karla's campaigns, discounts and announcements (``specs/karla.md`` §2.6-2.8).

As in `shopbridge.karla._models`: requests leave ``None`` fields out of the JSON; answers keep
unknown fields in ``extra`` and read enumerations as plain strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from attrs import field, frozen

__all__ = [
    "Announcement",
    "AnnouncementCreate",
    "AnnouncementUpdate",
    "Campaign",
    "CampaignRequest",
    "Discount",
    "DiscountCreate",
    "DiscountUpdate",
    "Language",
]

Language: TypeAlias = Literal["dk", "nl", "en", "fr", "de", "it", "es"]
PromotionType: TypeAlias = Literal["product", "basic", "banner"]
DiscountType: TypeAlias = Literal["product", "order", "shipping"]
ValueType: TypeAlias = Literal["percentage", "fixed_amount"]
TargetType: TypeAlias = Literal["line_item", "shipping_line"]
TargetSelection: TypeAlias = Literal["all", "group", "specific"]
Money: TypeAlias = Decimal | int | float


def _extra() -> Any:
    return field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class CampaignRequest:
    """``POST /campaigns`` (create) and ``PUT /campaigns/{uuid}`` (replace, so send it whole).

    Only one enabled campaign per segment: another one answers 409
    ``campaign_active_segment_exists``.
    """

    name: str
    segment: str
    promotion_type: PromotionType
    promotion_properties: Mapping[str, Any]
    enabled: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    discount_id: str | None = None


@frozen(kw_only=True)
class DiscountCreate:
    """``POST /discounts``: a discount code (409 ``voucher_exists`` when the code is taken)."""

    type: DiscountType
    code: str | None = None
    title: str | None = None
    value_type: ValueType | None = None
    value: Money | None = None
    target_type: TargetType | None = None
    target_selection: TargetSelection | None = None


@frozen(kw_only=True)
class DiscountUpdate:
    """``PATCH /discounts/{uuid}``: only the fields given change (``type`` cannot)."""

    code: str | None = None
    title: str | None = None
    value_type: ValueType | None = None
    value: Money | None = None
    target_type: TargetType | None = None
    target_selection: TargetSelection | None = None


@frozen(kw_only=True)
class Discount:
    """A discount as Karla answers it."""

    uuid: str
    type: str | None = None
    code: str | None = None
    title: str | None = None
    value_type: str | None = None
    value: Decimal | None = None
    target_type: str | None = None
    target_selection: str | None = None
    shop_slug: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class Campaign:
    """A campaign as Karla answers it."""

    uuid: str
    name: str | None = None
    segment: str | None = None
    promotion_type: str | None = None
    promotion_properties: Mapping[str, Any] | None = None
    enabled: bool | None = None
    status: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    discount_id: str | None = None
    discount: Discount | None = None
    shop_slug: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class AnnouncementCreate:
    """``POST /announcements``: a banner text in one language."""

    text: str
    language: Language


@frozen(kw_only=True)
class AnnouncementUpdate:
    """``PATCH /announcements/{uuid}``: only the fields given change."""

    text: str | None = None
    language: Language | None = None


@frozen(kw_only=True)
class Announcement:
    """An announcement as Karla answers it (``uuid`` is ``None`` where Karla leaves it out)."""

    uuid: str | None = None
    text: str | None = None
    language: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()
