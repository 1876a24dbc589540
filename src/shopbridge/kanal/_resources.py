"""The resources of `AsyncKanal`: ``orders``, ``checkouts``, ``customers``, ``shipments``.

Each method is one call of an endpoint described in `shopbridge.kanal._endpoints`, through the
client's `Api` protocol; the ``push_many``/``delete_many`` methods push a whole stream of
records through the bulk runner (`shopbridge.kanal._bulk`, `shopbridge.core.bulk`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from shopbridge.core.bulk._stream import stream_results
from shopbridge.kanal import _bulk as bulk
from shopbridge.kanal._endpoints import (
    CHECKOUT_UPDATE,
    CHECKOUT_UPSERT,
    CUSTOMER_DELETE,
    CUSTOMER_UPSERT,
    ORDER_UPDATE,
    ORDER_UPSERT,
    SHIPMENT_UPSERT,
)
from shopbridge.kanal._models import Upserted

if TYPE_CHECKING:
    from collections.abc import Awaitable, Mapping

    from shopbridge.core._endpoint import Answer, Api
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.core.bulk._stream import ResultStream
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
    )

__all__ = ["AsyncCheckouts", "AsyncCustomers", "AsyncOrders", "AsyncShipments"]

_T = TypeVar("_T")


def _upserted(answer: Answer[_T]) -> Upserted[_T]:
    created: bool | None = answer.status == 201
    if answer.after_ambiguous and not created:
        created = None  # the 200 may be the update of what our lost attempt created
    if not isinstance(answer.reply.data, dict):
        # Surely not the documented record (no JSON object at all): fail at the call, as an
        # eager read would. Only an object that does not fit is left to `record`'s first read.
        return Upserted(
            record=answer.read(),
            created=created,
            verdict=answer.verdict,
            attempts=answer.attempts,
            response=answer.reply.response(),
        )
    return Upserted(
        read=answer.read,
        created=created,
        verdict=answer.verdict,
        attempts=answer.attempts,
        response=answer.reply.response(),
    )


class _Resource:
    def __init__(self, api: Api) -> None:
        self._api = api


class AsyncOrders(_Resource):
    """``/orders``: upsert (POST) and update (PATCH)."""

    async def upsert(self, order: Order | Mapping[str, Any]) -> Upserted[OrderRecord]:
        """Create or replace an order, keyed on its ``external_id``.

        Raises:
            ValidationError: the order breaks Kanal's rules; nothing was sent.
            RequestError: Kanal refused it, or the retry policy gave up.
        """
        return _upserted(await self._api.call(ORDER_UPSERT, order))

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
        return await bulk.push(self._api, orders, handle, resource="orders", options=options)

    def stream_many(self, orders: Records, **options: Unpack[PushOptions]) -> ResultStream:
        """`push_many`, as an async iterator of each record's `RecordResult`, in input order.

        The push runs while the results are read; a slow reader slows it (at most a few
        results wait unread), none is dropped. Once the iteration ends, the iterator's
        ``report`` is the `BulkReport`; an error of the run is raised by the last ``anext``.
        Read it inside ``async with`` to cancel the run when leaving early::

            async with kanal.orders.stream_many(rows) as results:
                async for result in results:
                    mark_synced(result.position, result.done)

        Args:
            orders: what `push_many` takes.
            **options: see `PushOptions`; an ``on_result`` given is called too.
        """
        return stream_results(self.push_many, orders, options)

    async def update(
        self, external_id: str, changes: OrderUpdate | Mapping[str, Any]
    ) -> OrderRecord:
        """Change an order's statuses, tags or metadata; only the fields given change.

        Raises:
            NotFoundError: no order has this ``external_id`` (or the store is unknown).
            ValidationError: the changes break Kanal's rules; nothing was sent.
        """
        answer = await self._api.call(ORDER_UPDATE, changes, external_id=external_id)
        return answer.read()


class AsyncCheckouts(_Resource):
    """``/checkouts``: upsert (POST) and update (PATCH)."""

    async def upsert(self, checkout: Checkout | Mapping[str, Any]) -> Upserted[CheckoutRecord]:
        """Create or replace an abandoned checkout, keyed on its ``external_id``."""
        return _upserted(await self._api.call(CHECKOUT_UPSERT, checkout))

    async def push_many(self, checkouts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every checkout of a stream; see `AsyncOrders.push_many`."""
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(self._api, checkouts, handle, resource="checkouts", options=options)

    def stream_many(self, checkouts: Records, **options: Unpack[PushOptions]) -> ResultStream:
        """`push_many`, as an async iterator of each record's `RecordResult`, in input order.

        The push runs while the results are read; a slow reader slows it (at most a few
        results wait unread), none is dropped. Once the iteration ends, the iterator's
        ``report`` is the `BulkReport`; an error of the run is raised by the last ``anext``.
        Read it inside ``async with`` to cancel the run when leaving early::

            async with kanal.checkouts.stream_many(rows) as results:
                async for result in results:
                    mark_synced(result.position, result.done)

        Args:
            checkouts: what `push_many` takes.
            **options: see `PushOptions`; an ``on_result`` given is called too.
        """
        return stream_results(self.push_many, checkouts, options)

    async def update(
        self, external_id: str, changes: CheckoutUpdate | Mapping[str, Any]
    ) -> CheckoutRecord:
        """Change a checkout's status, recovery URL, tags or metadata.

        Raises:
            NotFoundError: no checkout has this ``external_id`` (or the store is unknown).
        """
        answer = await self._api.call(CHECKOUT_UPDATE, changes, external_id=external_id)
        return answer.read()


class AsyncCustomers(_Resource):
    """``/customers``: upsert (POST) and GDPR delete (DELETE)."""

    async def upsert(self, customer: Customer | Mapping[str, Any]) -> Upserted[CustomerRecord]:
        """Create or replace a customer, keyed on ``external_id`` (or on ``phone`` without one)."""
        return _upserted(await self._api.call(CUSTOMER_UPSERT, customer))

    async def delete(self, external_id: str) -> None:
        """Erase a customer (GDPR). Deleting one that is already gone succeeds too."""
        await self._api.call(CUSTOMER_DELETE, external_id=external_id)

    async def push_many(self, customers: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every customer of a stream; see `AsyncOrders.push_many`."""
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(self._api, customers, handle, resource="customers", options=options)

    def stream_many(self, customers: Records, **options: Unpack[PushOptions]) -> ResultStream:
        """`push_many`, as an async iterator of each record's `RecordResult`, in input order.

        The push runs while the results are read; a slow reader slows it (at most a few
        results wait unread), none is dropped. Once the iteration ends, the iterator's
        ``report`` is the `BulkReport`; an error of the run is raised by the last ``anext``.
        Read it inside ``async with`` to cancel the run when leaving early::

            async with kanal.customers.stream_many(rows) as results:
                async for result in results:
                    mark_synced(result.position, result.done)

        Args:
            customers: what `push_many` takes.
            **options: see `PushOptions`; an ``on_result`` given is called too.
        """
        return stream_results(self.push_many, customers, options)

    async def delete_many(self, customers: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Erase every customer of a stream (GDPR); see `AsyncOrders.push_many`.

        Args:
            customers: records ``{"external_id": "CUST-42"}`` (a JSONL or CSV file with an
                ``external_id`` column), or an iterable of ids.
            **options: see `PushOptions`.
        """

        def delete(external_id: str) -> Awaitable[Answer[None]]:
            return self._api.call(CUSTOMER_DELETE, external_id=external_id)

        handle = bulk.deletion_handler(delete)
        return await bulk.push(
            self._api, customers, handle, resource="customer deletions", options=options
        )


class AsyncShipments(_Resource):
    """``/shipments``: upsert (POST). There is no PATCH: re-POST with the same ``external_id``."""

    async def upsert(self, shipment: Shipment | Mapping[str, Any]) -> Upserted[ShipmentRecord]:
        """Create or replace a shipment, linked to its order by ``order_external_id``."""
        return _upserted(await self._api.call(SHIPMENT_UPSERT, shipment))

    async def push_many(self, shipments: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every shipment of a stream; see `AsyncOrders.push_many`."""
        handle = bulk.upsert_handler(self.upsert)
        return await bulk.push(self._api, shipments, handle, resource="shipments", options=options)

    def stream_many(self, shipments: Records, **options: Unpack[PushOptions]) -> ResultStream:
        """`push_many`, as an async iterator of each record's `RecordResult`, in input order.

        The push runs while the results are read; a slow reader slows it (at most a few
        results wait unread), none is dropped. Once the iteration ends, the iterator's
        ``report`` is the `BulkReport`; an error of the run is raised by the last ``anext``.
        Read it inside ``async with`` to cancel the run when leaving early::

            async with kanal.shipments.stream_many(rows) as results:
                async for result in results:
                    mark_synced(result.position, result.done)

        Args:
            shipments: what `push_many` takes.
            **options: see `PushOptions`; an ``on_result`` given is called too.
        """
        return stream_results(self.push_many, shipments, options)
