"""The resources of `AsyncKanal`: ``orders``, ``checkouts``, ``customers``, ``shipments``.

Each method validates, sends and reads through the client (`shopbridge.kanal._client`); the
``push_many``/``delete_many`` methods push a whole stream of records through the bulk runner
(`shopbridge.kanal._bulk`, `shopbridge.core.bulk._push`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Unpack

from shopbridge.kanal import _bulk as bulk
from shopbridge.kanal._models import (
    Checkout,
    CheckoutRecord,
    CheckoutUpdate,
    Customer,
    CustomerRecord,
    Order,
    OrderRecord,
    OrderUpdate,
    Shipment,
    ShipmentRecord,
    Upserted,
)
from shopbridge.kanal._validation import schemas as rules

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.kanal._client import AsyncKanal

__all__ = ["AsyncCheckouts", "AsyncCustomers", "AsyncOrders", "AsyncShipments"]


class AsyncOrders:
    """``/orders``: upsert (POST) and update (PATCH)."""

    def __init__(self, client: AsyncKanal) -> None:
        self._client = client

    async def upsert(self, order: Order | Mapping[str, Any]) -> Upserted[OrderRecord]:
        """Create or replace an order, keyed on its ``external_id``.

        Raises:
            ValidationError: the order breaks Kanal's rules; nothing was sent.
            RequestError: Kanal refused it, or the retry policy gave up.
        """
        return await self._client._upsert("orders", rules.ORDER, order, Order, OrderRecord)

    async def push_many(self, orders: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every order of a stream, at the store's rate limit; account for each one.

        Args:
            orders: a JSONL or CSV path (``-``: stdin), an iterable or an async iterable of
                orders (models or mappings).
            **options: see `PushOptions` (concurrency, dead_letter, checkpoint, on_progress...).

        Returns:
            The report: one outcome per order, counts that add up to the input.

        Raises:
            InputError: the input cannot be read at all.
            CheckpointError: the checkpoint belongs to another push or another input.
        """
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(self._client, orders, handle, resource="orders", options=options)

    async def update(
        self, external_id: str, changes: OrderUpdate | Mapping[str, Any]
    ) -> OrderRecord:
        """Change an order's statuses, tags or metadata; only the fields given change.

        Raises:
            NotFoundError: no order has this ``external_id`` (or the store is unknown).
            ValidationError: the changes break Kanal's rules; nothing was sent.
        """
        return await self._client._update(
            "orders",
            external_id,
            changes,
            schema=rules.ORDER_UPDATE,
            model=OrderUpdate,
            cls=OrderRecord,
        )


class AsyncCheckouts:
    """``/checkouts``: upsert (POST) and update (PATCH)."""

    def __init__(self, client: AsyncKanal) -> None:
        self._client = client

    async def upsert(self, checkout: Checkout | Mapping[str, Any]) -> Upserted[CheckoutRecord]:
        """Create or replace an abandoned checkout, keyed on its ``external_id``."""
        return await self._client._upsert(
            "checkouts", rules.CHECKOUT, checkout, Checkout, CheckoutRecord
        )

    async def push_many(self, checkouts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every checkout of a stream; see `AsyncOrders.push_many`."""
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(
            self._client, checkouts, handle, resource="checkouts", options=options
        )

    async def update(
        self, external_id: str, changes: CheckoutUpdate | Mapping[str, Any]
    ) -> CheckoutRecord:
        """Change a checkout's status, recovery URL, tags or metadata.

        Raises:
            NotFoundError: no checkout has this ``external_id`` (or the store is unknown).
        """
        return await self._client._update(
            "checkouts",
            external_id,
            changes,
            schema=rules.CHECKOUT_UPDATE,
            model=CheckoutUpdate,
            cls=CheckoutRecord,
        )


class AsyncCustomers:
    """``/customers``: upsert (POST) and GDPR delete (DELETE)."""

    def __init__(self, client: AsyncKanal) -> None:
        self._client = client

    async def upsert(self, customer: Customer | Mapping[str, Any]) -> Upserted[CustomerRecord]:
        """Create or replace a customer, keyed on ``external_id`` (or on ``phone`` without one)."""
        return await self._client._upsert(
            "customers", rules.CUSTOMER, customer, Customer, CustomerRecord
        )

    async def delete(self, external_id: str) -> None:
        """Erase a customer (GDPR). Deleting one that is already gone succeeds too."""
        await self._client._delete("customers", external_id)

    async def push_many(self, customers: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every customer of a stream; see `AsyncOrders.push_many`."""
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(
            self._client, customers, handle, resource="customers", options=options
        )

    async def delete_many(self, customers: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Erase every customer of a stream (GDPR); see `AsyncOrders.push_many`.

        Args:
            customers: records ``{"external_id": "CUST-42"}`` (a JSONL or CSV file with an
                ``external_id`` column), or an iterable of ids.
            **options: see `PushOptions`.
        """
        handle = bulk.deletion_handler(partial(self._client._delete, "customers"))
        return await bulk.push(
            self._client, customers, handle, resource="customer deletions", options=options
        )


class AsyncShipments:
    """``/shipments``: upsert (POST). There is no PATCH: re-POST with the same ``external_id``."""

    def __init__(self, client: AsyncKanal) -> None:
        self._client = client

    async def upsert(self, shipment: Shipment | Mapping[str, Any]) -> Upserted[ShipmentRecord]:
        """Create or replace a shipment, linked to its order by ``order_external_id``."""
        return await self._client._upsert(
            "shipments", rules.SHIPMENT, shipment, Shipment, ShipmentRecord
        )

    async def push_many(self, shipments: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every shipment of a stream; see `AsyncOrders.push_many`."""
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(
            self._client, shipments, handle, resource="shipments", options=options
        )
