"""`Kanal`: the blocking twin of `AsyncKanal`, for scripts and notebooks.

::

    with Kanal(api_key, store_id=123) as kanal:
        kanal.orders.upsert(order).created

Each method is one call on the client's own event loop (an anyio blocking portal on a
background thread, started on ``with`` or on first use); see `shopbridge.core._blocking`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal, Unpack

from shopbridge.core._blocking import BlockingFacade
from shopbridge.core.bulk._push import with_total
from shopbridge.kanal._client import DEFAULT_BASE_URL, RATE_WINDOW, AsyncKanal
from shopbridge.kanal._table import KANAL_TABLE

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping

    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.core.sansio._policy import RetryPolicy
    from shopbridge.core.sansio._table import DecisionTable
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

__all__ = ["Checkouts", "Customers", "Kanal", "Orders", "Shipments"]


class Kanal(BlockingFacade[AsyncKanal]):
    """The blocking client of one Kanal store. Same arguments as `AsyncKanal`.

    Configuration errors raise here, in the caller's thread; the HTTP session is created
    later, inside the client's own event loop.
    """

    def __init__(
        self,
        api_key: str,
        store_id: int | str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        retry: RetryPolicy | None = None,
        table: DecisionTable = KANAL_TABLE,
        rate_window: float = RATE_WINDOW,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
        trust_env: bool = False,
        allow_insecure_http: bool = False,
        validate: bool = True,
        unknown_fields: Literal["reject", "send"] = "reject",
    ) -> None:
        build = functools.partial(
            AsyncKanal,
            api_key,
            store_id,
            base_url=base_url,
            retry=retry,
            table=table,
            rate_window=rate_window,
            max_connections=max_connections,
            ssl_context=ssl_context,
            trust_env=trust_env,
            allow_insecure_http=allow_insecure_http,
            validate=validate,
            unknown_fields=unknown_fields,
        )
        client = build()  # configuration errors raise here, in the caller's thread
        # Each portal builds its own client: one from another portal would hold that portal's
        # session and asyncio primitives, which a forked child's new portal cannot use.
        super().__init__(build)
        self.store_id = client.store_id
        self.base_url = client.base_url
        self.retry = client.retry
        self.table = client.table
        self.orders = Orders(self)
        self.checkouts = Checkouts(self)
        self.customers = Customers(self)
        self.shipments = Shipments(self)

    def __repr__(self) -> str:
        return f"Kanal(store_id={self.store_id}, base_url={self.base_url!r})"


class Orders:
    """``/orders``: see `AsyncOrders`."""

    def __init__(self, kanal: Kanal) -> None:
        self._kanal = kanal

    def upsert(self, order: Order | Mapping[str, Any]) -> Upserted[OrderRecord]:
        """Create or replace an order, keyed on its ``external_id``."""
        return self._kanal._call(lambda client: client.orders.upsert(order))

    def update(self, external_id: str, changes: OrderUpdate | Mapping[str, Any]) -> OrderRecord:
        """Change an order's statuses, tags or metadata; only the fields given change."""
        return self._kanal._call(lambda client: client.orders.update(external_id, changes))

    def push_many(self, orders: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every order of a stream; see `AsyncOrders.push_many`.

        A sync iterable is read in this thread; ``on_progress`` is called on the client's
        event-loop thread.
        """
        return self._kanal._call_with_records(
            lambda client, records, size: client.orders.push_many(
                records, **with_total(options, size)
            ),
            orders,
        )


class Checkouts:
    """``/checkouts``: see `AsyncCheckouts`."""

    def __init__(self, kanal: Kanal) -> None:
        self._kanal = kanal

    def upsert(self, checkout: Checkout | Mapping[str, Any]) -> Upserted[CheckoutRecord]:
        """Create or replace an abandoned checkout, keyed on its ``external_id``."""
        return self._kanal._call(lambda client: client.checkouts.upsert(checkout))

    def update(
        self, external_id: str, changes: CheckoutUpdate | Mapping[str, Any]
    ) -> CheckoutRecord:
        """Change a checkout's status, recovery URL, tags or metadata."""
        return self._kanal._call(lambda client: client.checkouts.update(external_id, changes))

    def push_many(self, checkouts: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every checkout of a stream; see `AsyncOrders.push_many`."""
        return self._kanal._call_with_records(
            lambda client, records, size: client.checkouts.push_many(
                records, **with_total(options, size)
            ),
            checkouts,
        )


class Customers:
    """``/customers``: see `AsyncCustomers`."""

    def __init__(self, kanal: Kanal) -> None:
        self._kanal = kanal

    def upsert(self, customer: Customer | Mapping[str, Any]) -> Upserted[CustomerRecord]:
        """Create or replace a customer, keyed on ``external_id`` (or on ``phone``)."""
        return self._kanal._call(lambda client: client.customers.upsert(customer))

    def delete(self, external_id: str) -> None:
        """Erase a customer (GDPR). Deleting one that is already gone succeeds too."""
        self._kanal._call(lambda client: client.customers.delete(external_id))

    def push_many(self, customers: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every customer of a stream; see `AsyncOrders.push_many`."""
        return self._kanal._call_with_records(
            lambda client, records, size: client.customers.push_many(
                records, **with_total(options, size)
            ),
            customers,
        )

    def delete_many(self, customers: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Erase every customer of a stream (GDPR); see `AsyncCustomers.delete_many`."""
        return self._kanal._call_with_records(
            lambda client, records, size: client.customers.delete_many(
                records, **with_total(options, size)
            ),
            customers,
        )


class Shipments:
    """``/shipments``: see `AsyncShipments`."""

    def __init__(self, kanal: Kanal) -> None:
        self._kanal = kanal

    def upsert(self, shipment: Shipment | Mapping[str, Any]) -> Upserted[ShipmentRecord]:
        """Create or replace a shipment, linked to its order by ``order_external_id``."""
        return self._kanal._call(lambda client: client.shipments.upsert(shipment))

    def push_many(self, shipments: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every shipment of a stream; see `AsyncOrders.push_many`."""
        return self._kanal._call_with_records(
            lambda client, records, size: client.shipments.push_many(
                records, **with_total(options, size)
            ),
            shipments,
        )
