"""Karla's orders and shipments as typed values: what you send, and what Karla answers.

Requests (``OrderPlacement``, ``OrderUpsert``, ``OrderUpdate`` ...) carry the fields of
``specs/karla.md`` §2.2-2.3; optional fields default to ``None`` and are left out of the JSON.
The client validates a request's JSON form (`shopbridge.karla._validation`) before sending it, with
FastAPI's own dot paths and wording, so a model never re-implements those rules.

Answers (``Order``, ``Tracking`` ...) are read tolerantly: a field Karla adds later is kept in
``extra`` rather than refused, a missing optional field is ``None``, and enumerations are plain
strings, so a new carrier state or phase never makes an answer unreadable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from attrs import field, frozen

from shopbridge.core._requests import Response
from shopbridge.core.sansio._verdict import Verdict

__all__ = [
    "Address",
    "Created",
    "IdType",
    "Order",
    "OrderPlacement",
    "OrderShipmentUpdate",
    "OrderTracking",
    "OrderUpdate",
    "OrderUpsert",
    "Product",
    "ProductImage",
    "ShipmentEvent",
    "Tracking",
    "TrackingCarrier",
    "TrackingEvent",
]

IdType: TypeAlias = Literal["uuid", "external_id", "order_name", "order_number"]
"""How ``OrderUpsert.id`` names the order (Karla's default: ``order_number``)."""
Money: TypeAlias = Decimal | int | float
"""An amount. `Decimal` keeps its exact digits on the wire."""

_T = TypeVar("_T")


def _tuple(values: Sequence[Any] | None) -> tuple[Any, ...] | None:
    # A list is what users write; a tuple keeps the frozen record hashable and comparable.
    if isinstance(values, str):
        msg = f"expected a list, not the string {values!r}"
        raise TypeError(msg)
    return None if values is None else tuple(values)


def _trackings(values: Sequence[OrderTracking]) -> tuple[OrderTracking, ...]:
    return tuple(values)


def _extra() -> Any:
    return field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class Address:
    """A postal address; ``zip_code`` is required when it is an order's delivery address."""

    zip_code: str | None = None
    name: str | None = None
    company: str | None = None
    street: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class ProductImage:
    """A product image: ``src`` is required."""

    src: str
    alt: str | None = None


@frozen(kw_only=True)
class Product:
    """A product line of an order or a shipment; every field is optional."""

    title: str | None = None
    sku: str | None = None
    quantity: int | None = None
    price: Money | None = None
    size: str | None = None
    weight: Money | None = None
    images: tuple[ProductImage, ...] | None = field(default=None, converter=_tuple)
    tax_lines: tuple[Mapping[str, Any], ...] | None = field(default=None, converter=_tuple)
    bundled_products: tuple[Mapping[str, Any], ...] | None = field(default=None, converter=_tuple)
    type: Literal["product", "bundle"] | None = None
    shipment_id: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class OrderPlacement:
    """An order: ``POST /orders`` creates it, ``OrderUpsert.order`` creates or updates it.

    A second ``POST`` of the same order answers ``409 order_exists``.
    """

    order_number: str
    external_id: str
    address: Address
    order_name: str | None = None
    order_placed_at: datetime | None = None
    total_order_price: Money | None = None
    shipping_price: Money | None = None
    sub_total_price: Money | None = None
    discount_price: Money | None = None
    products: tuple[Product, ...] | None = field(default=None, converter=_tuple)
    discounts: tuple[Mapping[str, Any], ...] | None = field(default=None, converter=_tuple)
    email_id: str | None = None
    currency: str | None = None
    segments: tuple[str, ...] | None = field(default=None, converter=_tuple)
    weight: Money | None = None
    user_agent: str | None = None
    order_analytics: Mapping[str, Any] | None = None
    expected_number_of_shipments: int | None = None
    external_customer_id: str | None = None


@frozen(kw_only=True)
class OrderTracking:
    """A tracking to attach to an order; each becomes a fulfilled shipment."""

    tracking_number: str
    tracking_url: str | None = None
    tracking_placed_at: datetime | None = None
    carrier_reference: str | None = None
    external_shipment_id: str | None = None
    products: tuple[Product, ...] | None = field(default=None, converter=_tuple)


@frozen(kw_only=True)
class OrderUpsert:
    """``PUT /orders``: create or update the order named by ``id`` + ``id_type``.

    It attaches ``trackings`` too (``[]`` for none). Without ``order``, the order must exist
    (``404 order_not_found``).
    """

    id: str
    trackings: tuple[OrderTracking, ...] = field(converter=_trackings)
    id_type: IdType | None = None
    order: OrderPlacement | None = None


@frozen(kw_only=True)
class OrderUpdate:
    """``PATCH /orders/{order_id}``: only the fields given change."""

    address: Address | None = None
    expected_number_of_shipments: int | None = None


@frozen(kw_only=True)
class OrderShipmentUpdate:
    """``PATCH /orders/{order_id}/shipments/{shipment_id}``.

    ``products`` replaces the shipment's products: ``()`` clears them, ``None`` leaves them.
    """

    tracking_url: str | None = None
    products: tuple[Product, ...] | None = field(default=None, converter=_tuple)


@frozen(kw_only=True)
class ShipmentEvent:
    """``POST /shipments/{shipment_id}/events``: a custom tracking event of your own.

    Karla does not deduplicate it, so after an ambiguous failure it is not resent.
    """

    event_name: str
    event_time: datetime
    external_id: str


@frozen(kw_only=True)
class TrackingCarrier:
    """The carrier of a shipment."""

    tracking_number: str | None = None
    carrier_reference: str | None = None
    tracking_url: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class TrackingEvent:
    """One event of a shipment's history."""

    event_key: str | None = None
    phase: str | None = None
    time: datetime | None = None
    timezone: str | None = None
    language: str | None = None
    location: Mapping[str, Any] | None = None
    additional_info: Mapping[str, Any] | None = None
    event_strings: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class Tracking:
    """A fulfilled shipment as Karla answers it (``id`` is the shipment id)."""

    id: str
    order_id: str | None = None
    order_number: str | None = None
    merchant_id: str | None = None
    merchant_slug: str | None = None
    state: str | None = None
    flag: str | None = None
    carrier: TrackingCarrier | None = None
    events: tuple[TrackingEvent, ...] = ()
    products: tuple[Product, ...] = ()
    estimated_arrival: Mapping[str, Any] | None = None
    pickup: Mapping[str, Any] | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class Order:
    """An order as Karla answers it, with its trackings."""

    uuid: str
    order_number: str | None = None
    external_id: str | None = None
    merchant_slug: str | None = None
    order_name: str | None = None
    order_placed_at: datetime | None = None
    address: Address | None = None
    email_id: str | None = None
    currency: str | None = None
    total_order_price: Decimal | None = None
    shipping_price: Decimal | None = None
    sub_total_price: Decimal | None = None
    discount_price: Decimal | None = None
    products: tuple[Product, ...] = ()
    segments: tuple[str, ...] = ()
    trackings: tuple[Tracking, ...] = ()
    external_customer_id: str | None = None
    extra: Mapping[str, Any] = _extra()


@frozen(kw_only=True)
class Created(Generic[_T]):
    """The result of a create (``POST``), which Karla refuses twice with ``409 *_exists``.

    Attributes:
        record: what Karla answered; ``None`` when it already existed (a 409 carries no record).
        already_existed: ``True`` when this create was retried after an ambiguous failure (read
            timeout, disconnect after sending, 500/502/504) and the retry met ``409 *_exists``:
            the lost attempt most likely created it. A 409 on the first try is a
            `ConflictError` instead, never this.
        verdict: the decision-table verdict of the attempt that settled it.
        attempts: attempts made.
        response: the raw answer (status, headers, request id); ``None`` when built by hand.
            It takes no part in ``==`` and hashing (two creates of equal records compare
            equal although their headers differ).
    """

    record: _T | None
    already_existed: bool
    verdict: Verdict
    attempts: int = 1
    response: Response | None = field(default=None, eq=False, repr=False)

    @property
    def created(self) -> bool:
        """Whether this call's own answer said it created the resource."""
        return not self.already_existed
