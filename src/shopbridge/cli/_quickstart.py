"""The quickstart: every Kanal endpoint once, through the blocking client, on the sandbox.

``shopbridge quickstart`` starts the embedded Kanal sandbox in this process, then upserts one
record of each resource, updates, deletes, and shows two refusals (a record that breaks Kanal's
rules, an update of an order that does not exist) and the pacer at work. Each attempt prints
the decision-table row that classified it, from the ``shopbridge`` logger.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import attrs

from shopbridge.core._errors import RequestError
from shopbridge.kanal import (
    Checkout,
    CheckoutUpdate,
    Customer,
    Kanal,
    Order,
    OrderUpdate,
    Shipment,
)
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox, RateLimit

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["run"]

_PLACED_AT = datetime(2026, 5, 18, 10, 0, tzinfo=UTC)
_CUSTOMER = Customer(
    phone="+33612345678",
    external_id="CUST-42",
    first_name="Marie",
    email="marie@example.com",
    tags=("vip",),
    lifetime_value=1299,
    orders_count=7,
)
_ORDER = Order(
    external_id="ORDER-1001",
    placed_at=_PLACED_AT,
    total_price=Decimal("49.90"),
    currency="EUR",
    customer=_CUSTOMER,
    line_items=({"title": "T-shirt Bordeaux", "quantity": 2, "price": 24.95},),
)


class _VerdictPrinter(logging.Handler):
    """Prints each attempt's log line, which names the decision-table row that fired."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        super().__init__(level=logging.DEBUG)
        self._echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        self._echo(f"    {record.getMessage()}")


def _step(echo: Callable[[str], None], title: str, call: Callable[[], Any]) -> None:
    echo(f"\n{title}")
    try:
        result = call()
    except RequestError as error:
        echo(f"  -> {type(error).__name__}: {error.action.name} [{error.verdict.rule}]")
        for path, messages in error.field_errors.items():
            echo(f"       {path}: {' '.join(messages)}")
        return
    created = getattr(result, "created", None)
    if created is not None:
        echo(f"  -> {'created (201)' if created else 'updated (200)'}")
    elif result is None:
        echo("  -> done")
    else:
        echo(f"  -> {type(result).__name__}")


def run(echo: Callable[[str], None] = print) -> None:
    """Run the quickstart, printing through `echo`."""
    logger = logging.getLogger("shopbridge")
    printer = _VerdictPrinter(echo)
    level = logger.level
    logger.addHandler(printer)
    logger.setLevel(logging.DEBUG)
    try:
        with KanalSandbox().running_in_thread() as sandbox:
            echo(f"Kanal sandbox running in this process at {sandbox.base_url}")
            with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url) as kanal:
                _tour(kanal, sandbox, echo)
            orders = sandbox.records(DEFAULT_STORE_ID, "orders")
            echo(f"\nThe sandbox now holds {len(orders)} orders, each written once or more.")
    finally:
        logger.removeHandler(printer)
        logger.setLevel(level)


def _tour(kanal: Kanal, sandbox: KanalSandbox, echo: Callable[[str], None]) -> None:
    _step(echo, "customers.upsert CUST-42", lambda: kanal.customers.upsert(_CUSTOMER))
    _step(echo, "orders.upsert ORDER-1001", lambda: kanal.orders.upsert(_ORDER))
    _step(echo, "orders.upsert ORDER-1001 again (idempotent)", lambda: kanal.orders.upsert(_ORDER))
    _step(
        echo,
        "orders.update ORDER-1001 financial_status=paid",
        lambda: kanal.orders.update("ORDER-1001", OrderUpdate(financial_status="paid")),
    )
    checkout = Checkout(
        external_id="CHECKOUT-7700",
        abandoned_at=_PLACED_AT,
        total_price=Decimal("49.90"),
        currency="EUR",
        recovery_url="https://shop.example.com/checkout/recover/7700",
        customer=_CUSTOMER,
    )
    _step(echo, "checkouts.upsert CHECKOUT-7700", lambda: kanal.checkouts.upsert(checkout))
    _step(
        echo,
        "checkouts.update CHECKOUT-7700 status=recovered",
        lambda: kanal.checkouts.update("CHECKOUT-7700", CheckoutUpdate(status="recovered")),
    )
    shipment = Shipment(
        external_id="SHIP-9001",
        order_external_id="ORDER-1001",
        tracking_number="1Z999AA10123456784",
        carrier="Colissimo",
        status="in_transit",
    )
    _step(echo, "shipments.upsert SHIP-9001", lambda: kanal.shipments.upsert(shipment))
    _step(echo, "customers.delete CUST-42 (GDPR)", lambda: kanal.customers.delete("CUST-42"))
    broken = {"external_id": "ORDER-1002", "placed_at": "2026-05-18T10:00:00Z", "total_price": 10}
    _step(
        echo,
        "orders.upsert ORDER-1002 without a customer (rejected before sending)",
        lambda: kanal.orders.upsert(broken),
    )
    _step(
        echo,
        "orders.update ORDER-404 (no such order)",
        lambda: kanal.orders.update("ORDER-404", {"financial_status": "paid"}),
    )
    sandbox.set_rate_limit(RateLimit(limit=2, window=1.0))
    echo(
        "\nThe store's limit is now 2 requests per 1 s window (Kanal's is 60 per 60 s): the "
        "pacer reads X-RateLimit-Remaining and waits for the window, so no 429 is met."
    )
    with Kanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, rate_window=1.0
    ) as paced:
        for number in range(4):
            order = attrs.evolve(_ORDER, external_id=f"ORDER-20{number}")
            _step(echo, f"orders.upsert {order.external_id}", partial(paced.orders.upsert, order))
