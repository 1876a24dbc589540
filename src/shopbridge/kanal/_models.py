"""Kanal's records as typed values: what you send, and what Kanal answers.

Requests (``Order``, ``Checkout``, ``Customer``, ``Shipment``, and the PATCH bodies
``OrderUpdate``, ``CheckoutUpdate``) carry every field of ``specs/kanal.md`` §3. Optional fields
default to ``None`` and are left out of the JSON; PATCH fields default to `UNSET` so that
``None`` can still mean "set it to null". The client validates the JSON form of a record with
Kanal's own rules (`shopbridge.kanal._validation.schemas`) before sending it, so a model
never needs to re-implement them.

Answers (``OrderRecord`` ...) are read tolerantly: unknown fields are ignored, missing optional
fields are ``None``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from attrs import field, frozen

from shopbridge.core.sansio._verdict import Verdict

__all__ = [
    "UNSET",
    "Checkout",
    "CheckoutRecord",
    "CheckoutStatus",
    "CheckoutUpdate",
    "Customer",
    "CustomerRecord",
    "Order",
    "OrderRecord",
    "OrderUpdate",
    "Shipment",
    "ShipmentRecord",
    "ShipmentStatus",
    "Unset",
    "Upserted",
]

CheckoutStatus: TypeAlias = Literal["active", "abandoned", "recovered", "completed", "expired"]
ShipmentStatus: TypeAlias = Literal["pending", "in_transit", "delivered", "failed", "returned"]
Money: TypeAlias = Decimal | int | float
"""A non-negative amount. `Decimal` keeps its exact digits on the wire."""


class Unset(enum.Enum):
    """The type of `UNSET`."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET
"""A PATCH field left out of the request (as opposed to ``None``, which sets it to null)."""

_T = TypeVar("_T")


def _tags(values: Sequence[str] | None) -> tuple[str, ...] | None:
    # A list is what users write; a tuple keeps the frozen record hashable and comparable.
    if isinstance(values, str):
        # A str is a sequence of str: "vip" would silently become ("v", "i", "p").
        msg = f"tags must be a list of strings, not the string {values!r}"
        raise TypeError(msg)
    return None if values is None else tuple(values)


def _line_items(
    items: Sequence[Mapping[str, Any]] | None,
) -> tuple[Mapping[str, Any], ...] | None:
    return None if items is None else tuple(items)


def _patch_tags(values: Sequence[str] | Unset | None) -> tuple[str, ...] | Unset | None:
    return values if isinstance(values, Unset) else _tags(values)


@frozen(kw_only=True)
class Customer:
    """A customer: ``POST /customers``, and the ``customer`` of an order or a checkout.

    ``phone`` is how Kanal matches the record to a WhatsApp contact (E.164, e.g.
    ``+33612345678``). Without ``external_id``, the phone is the customer's key.
    """

    phone: str
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    locale: str | None = None
    tags: tuple[str, ...] | None = field(default=None, converter=_tags)
    lifetime_value: int | None = None
    orders_count: int | None = None


@frozen(kw_only=True)
class Order:
    """An order: ``POST /orders`` upserts it on ``(store_id, external_id)``.

    POST replaces the whole record: send every field you want kept.
    """

    external_id: str
    placed_at: datetime
    total_price: Money
    customer: Customer
    currency: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    line_items: tuple[Mapping[str, Any], ...] | None = field(default=None, converter=_line_items)
    tags: tuple[str, ...] | None = field(default=None, converter=_tags)
    metadata: Mapping[str, Any] | None = None


@frozen(kw_only=True)
class OrderUpdate:
    """``PATCH /orders/{external_id}``: only the fields given change. ``tags`` replaces the list."""

    financial_status: str | Unset | None = UNSET
    fulfillment_status: str | Unset | None = UNSET
    tags: Sequence[str] | Unset | None = field(default=UNSET, converter=_patch_tags)
    metadata: Mapping[str, Any] | Unset | None = UNSET


@frozen(kw_only=True)
class Checkout:
    """An abandoned checkout: ``POST /checkouts`` upserts it and drives recovery automations."""

    external_id: str
    abandoned_at: datetime
    total_price: Money
    customer: Customer
    currency: str | None = None
    recovery_url: str | None = None
    line_items: tuple[Mapping[str, Any], ...] | None = field(default=None, converter=_line_items)
    tags: tuple[str, ...] | None = field(default=None, converter=_tags)
    metadata: Mapping[str, Any] | None = None


@frozen(kw_only=True)
class CheckoutUpdate:
    """``PATCH /checkouts/{external_id}``: only the fields given change."""

    status: CheckoutStatus | Unset = UNSET
    recovery_url: str | Unset | None = UNSET
    tags: Sequence[str] | Unset | None = field(default=UNSET, converter=_patch_tags)
    metadata: Mapping[str, Any] | Unset | None = UNSET


@frozen(kw_only=True)
class Shipment:
    """A shipment of an order: ``POST /shipments`` upserts it. There is no PATCH: re-POST it."""

    external_id: str
    order_external_id: str
    tracking_number: str | None = None
    tracking_url: str | None = None
    carrier: str | None = None
    status: ShipmentStatus | None = None
    metadata: Mapping[str, Any] | None = None


@frozen(kw_only=True)
class OrderRecord:
    """An order as Kanal answers it (``placed_at``, customer and line items are not echoed)."""

    external_id: str
    store_id: int
    total_price: Decimal
    currency: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None


@frozen(kw_only=True)
class CheckoutRecord:
    """A checkout as Kanal answers it."""

    external_id: str
    store_id: int
    status: str | None = None
    total_price: Decimal | None = None
    currency: str | None = None
    recovery_url: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None


@frozen(kw_only=True)
class CustomerRecord:
    """A customer as Kanal answers it (no phone is echoed)."""

    store_id: int
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    locale: str | None = None
    tags: tuple[str, ...] = ()
    lifetime_value: int | None = None
    orders_count: int | None = None


@frozen(kw_only=True)
class ShipmentRecord:
    """A shipment as Kanal answers it; ``order_id`` is Kanal's internal id of the order."""

    external_id: str
    store_id: int
    order_id: int | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    carrier: str | None = None
    status: str | None = None


@frozen(kw_only=True)
class Upserted(Generic[_T]):
    """The result of an upsert.

    Attributes:
        record: the record as Kanal answered it.
        created: ``True`` for 201 (first time this key was seen), ``False`` for 200 (an
            existing record was replaced), ``None`` when an earlier attempt of this same call
            may have been applied before the answer was lost, so that the 200 may be the
            update of the record this call itself created.
        verdict: the decision-table verdict of the attempt that succeeded.
        attempts: attempts made.
    """

    record: _T
    created: bool | None
    verdict: Verdict
    attempts: int = 1

    @property
    def updated(self) -> bool | None:
        """``True`` for 200, ``False`` for 201, ``None`` when it cannot be known."""
        return None if self.created is None else not self.created
