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
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

from attrs import field, frozen
from attrs.exceptions import FrozenInstanceError

if TYPE_CHECKING:
    from shopbridge.core._requests import Response
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


_UNREAD: Any = object()
"""`Upserted.record` before it was read."""


class Upserted(Generic[_T]):
    """The result of an upsert.

    The record is read from Kanal's answer on first access of `record`, not before: a bulk push
    (and any caller that looks only at `created`) never pays for structuring it. An answer that
    is not a JSON object fails at the call as it always did; one that is an object but does not
    fit the record type (a field missing or of the wrong type) raises the same
    `RequestFailedError` (rule ``kanal-unreadable-answer``) at the first access of `record`,
    since the write itself succeeded. Once read, the record is kept; equality, hashing, repr and
    pickling read it first, so an `Upserted` compares and travels as it always did.

    Attributes:
        record: the record as Kanal answered it.
        created: ``True`` for 201 (first time this key was seen), ``False`` for 200 (an
            existing record was replaced), ``None`` when an earlier attempt of this same call
            may have been applied before the answer was lost, so that the 200 may be the
            update of the record this call itself created.
        verdict: the decision-table verdict of the attempt that succeeded.
        attempts: attempts made.
        response: the raw answer (status, headers, request id); ``None`` when built by hand.
            It pickles with the result but takes no part in ``==``, hashing or repr: two
            upserts of equal records compare equal although their headers (a date, a request
            id) differ.
    """

    __slots__ = ("_read", "_record", "attempts", "created", "response", "verdict")

    created: bool | None
    verdict: Verdict
    attempts: int
    response: Response | None
    _record: Any
    _read: Callable[[], _T] | None

    def __init__(
        self,
        *,
        record: _T = _UNREAD,
        created: bool | None,
        verdict: Verdict,
        attempts: int = 1,
        read: Callable[[], _T] | None = None,
        response: Response | None = None,
    ) -> None:
        if record is _UNREAD and read is None:
            msg = "Upserted needs its record, or how to read it"
            raise TypeError(msg)
        setattr_ = object.__setattr__  # frozen below: __init__ sets through object's
        setattr_(self, "_record", record)
        setattr_(self, "_read", read if record is _UNREAD else None)
        setattr_(self, "created", created)
        setattr_(self, "verdict", verdict)
        setattr_(self, "attempts", attempts)
        setattr_(self, "response", response)

    @property
    def record(self) -> _T:
        """The record as Kanal answered it, read on first access.

        Raises:
            RequestFailedError: the 2xx answer is not the documented record (the write was
                most likely applied).
        """
        record: _T = self._record
        if record is _UNREAD:
            read = self._read
            assert read is not None  # noqa: S101 - set whenever the record is unread
            record = read()
            object.__setattr__(self, "_record", record)
            object.__setattr__(self, "_read", None)  # the answer it came from may go now
        return record

    @property
    def updated(self) -> bool | None:
        """``True`` for 200, ``False`` for 201, ``None`` when it cannot be known."""
        return None if self.created is None else not self.created

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError

    def _values(self) -> tuple[Any, ...]:
        return (self.record, self.created, self.verdict, self.attempts)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Upserted)  # noqa: S101 - for mypy: the line above checked it
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return (
            f"Upserted(record={self.record!r}, created={self.created!r}, "
            f"verdict={self.verdict!r}, attempts={self.attempts!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # The reader holds the client's answer: a pickle carries the record read from it.
        return (_rebuild_upserted, (*self._values(), self.response))


def _rebuild_upserted(
    record: _T,
    created: bool | None,  # noqa: FBT001 - pickle passes the values by position
    verdict: Verdict,
    attempts: int,
    response: Response | None = None,
) -> Upserted[_T]:
    return Upserted(
        record=record, created=created, verdict=verdict, attempts=attempts, response=response
    )
