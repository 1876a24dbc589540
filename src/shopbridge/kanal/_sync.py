"""`Kanal`: the blocking twin of `AsyncKanal`, for scripts and notebooks.

::

    with Kanal(api_key, store_id=123) as kanal:
        kanal.orders.upsert(order).created

Each method is derived from its async twin (`shopbridge.core._twins.blocking`): one call on
the client's own event loop, with the async method's signature and docstring.
"""

from __future__ import annotations

import functools
from typing import Unpack

from shopbridge.core._blocking import BlockingFacade
from shopbridge.core._twins import BlockingResource, blocking, blocking_feed
from shopbridge.core.bulk._stream import blocking_iter
from shopbridge.kanal._client import AsyncKanal, KanalOptions, settings
from shopbridge.kanal._messaging.sync import Account, Automations, Messages, Templates
from shopbridge.kanal._resources import AsyncCheckouts, AsyncCustomers, AsyncOrders, AsyncShipments

__all__ = ["Checkouts", "Customers", "Kanal", "Orders", "Shipments"]


class Orders(BlockingResource):
    """``/orders``: see `AsyncOrders`."""

    twin_of = AsyncOrders
    upsert = blocking(AsyncOrders.upsert)
    update = blocking(AsyncOrders.update)
    push_many = blocking_feed(AsyncOrders.push_many)
    stream_many = blocking_iter(AsyncOrders.stream_many)


class Checkouts(BlockingResource):
    """``/checkouts``: see `AsyncCheckouts`."""

    twin_of = AsyncCheckouts
    upsert = blocking(AsyncCheckouts.upsert)
    update = blocking(AsyncCheckouts.update)
    push_many = blocking_feed(AsyncCheckouts.push_many)
    stream_many = blocking_iter(AsyncCheckouts.stream_many)


class Customers(BlockingResource):
    """``/customers``: see `AsyncCustomers`."""

    twin_of = AsyncCustomers
    upsert = blocking(AsyncCustomers.upsert)
    delete = blocking(AsyncCustomers.delete)
    push_many = blocking_feed(AsyncCustomers.push_many)
    stream_many = blocking_iter(AsyncCustomers.stream_many)
    delete_many = blocking_feed(AsyncCustomers.delete_many)


class Shipments(BlockingResource):
    """``/shipments``: see `AsyncShipments`."""

    twin_of = AsyncShipments
    upsert = blocking(AsyncShipments.upsert)
    push_many = blocking_feed(AsyncShipments.push_many)
    stream_many = blocking_iter(AsyncShipments.stream_many)


class Kanal(BlockingFacade[AsyncKanal]):
    """The blocking client of one Kanal store and its messaging: `AsyncKanal`'s arguments.

    Configuration errors raise here, in the caller's thread; the HTTP session is created
    later, inside the client's own event loop.

    Args:
        api_key: the store's API key, sent as ``Authorization: Bearer``; ``None``: read from
            ``KANAL_API_KEY``.
        store_id: the numeric id of the store; ``None`` for a messaging-only client.
        **options: see `KanalOptions`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        store_id: int | str | None = None,
        **options: Unpack[KanalOptions],
    ) -> None:
        config = settings(api_key, store_id, options)  # configuration errors raise here
        # Each portal builds its own client: one from another portal would hold that portal's
        # session and asyncio primitives, which a forked child's new portal cannot use. It gets
        # the checked key: the environment is read once, here.
        super().__init__(functools.partial(AsyncKanal, config.api_key, store_id, **options))
        self.store_id = config.store_id
        self.base_url = config.base_url
        self.retry = config.retry
        self.table = config.table
        self.messaging_table = config.messaging_table
        self.orders = Orders(self, "orders")
        self.checkouts = Checkouts(self, "checkouts")
        self.customers = Customers(self, "customers")
        self.shipments = Shipments(self, "shipments")
        self.messages = Messages(self, "messages")
        self.templates = Templates(self, "templates")
        self.automations = Automations(self, "automations")
        self.account = Account(self, "account")

    def __repr__(self) -> str:
        return f"Kanal(store_id={self.store_id}, base_url={self.base_url!r})"
