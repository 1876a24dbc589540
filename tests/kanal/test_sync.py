"""The blocking `Kanal` against the sandbox on loopback: endpoints, errors, lifecycle, threads."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._errors import (
    BlockingCallInEventLoopWarning,
    ConfigurationError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    ValidationError,
)
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.kanal import (
    Checkout,
    CheckoutUpdate,
    Customer,
    Kanal,
    Order,
    OrderRecord,
    OrderUpdate,
    Shipment,
)
from shopbridge.kanal.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    OTHER_TEAM_STORE_ID,
    KanalSandbox,
)

if TYPE_CHECKING:
    from collections.abc import Callable

FAST = RetryPolicy(
    max_attempts=3, deadline=10, attempt_timeout=5, backoff_base=0.01, backoff_max=0.05
)
PHONE = "+33612345678"
PLACED_AT = datetime(2026, 5, 18, 10, 0, tzinfo=UTC)
PORTAL_THREAD = "shopbridge-Kanal"


def customer(external_id: str = "CUST-42") -> Customer:
    return Customer(external_id=external_id, phone=PHONE, first_name="Marie")


def order(external_id: str = "ORDER-1001") -> Order:
    return Order(
        external_id=external_id,
        placed_at=PLACED_AT,
        total_price=Decimal("49.90"),
        currency="EUR",
        customer=Customer(phone=PHONE),
    )


def connect(sandbox: KanalSandbox, **options: Any) -> Kanal:
    options.setdefault("retry", FAST)
    return Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, **options)


def portal_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == PORTAL_THREAD]


def loop_of(kanal: Kanal) -> asyncio.AbstractEventLoop | None:
    """The client's own event loop, once started."""
    running = kanal._running
    return None if running is None else running.loop.loop


# -- every endpoint once, and the typed errors ----------------------------------------------------


def test_every_endpoint_works_through_the_blocking_client(kanal_sandbox: KanalSandbox) -> None:
    with connect(kanal_sandbox) as kanal:
        created = kanal.orders.upsert(order())
        assert (created.created, created.record) == (
            True,
            OrderRecord(
                external_id="ORDER-1001",
                store_id=DEFAULT_STORE_ID,
                total_price=Decimal("49.90"),
                currency="EUR",
                tags=(),
                created_at=PLACED_AT,
            ),
        )
        assert kanal.orders.upsert(order()).created is False
        assert kanal.orders.update("ORDER-1001", OrderUpdate(financial_status="paid")) == (
            OrderRecord(
                external_id="ORDER-1001",
                store_id=DEFAULT_STORE_ID,
                total_price=Decimal("49.90"),
                currency="EUR",
                financial_status="paid",
                tags=(),
                created_at=PLACED_AT,
            )
        )
        checkout = kanal.checkouts.upsert(
            Checkout(
                external_id="CHECKOUT-7700",
                abandoned_at=PLACED_AT,
                total_price=Decimal("49.90"),
                customer=Customer(phone=PHONE),
            )
        )
        assert (checkout.created, checkout.record.status) == (True, "abandoned")
        recovered = kanal.checkouts.update("CHECKOUT-7700", CheckoutUpdate(status="recovered"))
        assert recovered.status == "recovered"
        assert kanal.customers.upsert(customer()).record.first_name == "Marie"
        kanal.customers.delete("CUST-42")
        shipment = kanal.shipments.upsert(
            Shipment(external_id="SHIP-9001", order_external_id="ORDER-1001", status="in_transit")
        )
        stored_order = kanal_sandbox.record(DEFAULT_STORE_ID, "orders", "ORDER-1001")
        assert stored_order is not None
        assert (shipment.created, shipment.record.order_id) == (True, stored_order.id)
    stats = kanal_sandbox.stats
    assert dict(stats.writes) == {"orders": 3, "checkouts": 2, "customers": 2, "shipments": 1}


def test_the_blocking_client_raises_the_same_typed_errors(kanal_sandbox: KanalSandbox) -> None:
    with Kanal("wrong-key", DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as wrong:
        with pytest.raises(CredentialsRejectedError) as refused:
            wrong.customers.upsert(customer())
        assert (refused.value.status, refused.value.verdict.rule) == (401, "kanal-401")
    with Kanal(DEFAULT_API_KEY, OTHER_TEAM_STORE_ID, base_url=kanal_sandbox.base_url) as other:
        with pytest.raises(CredentialsRejectedError) as forbidden:
            other.customers.upsert(customer())
        assert forbidden.value.status == 403
    with Kanal(DEFAULT_API_KEY, 99, base_url=kanal_sandbox.base_url) as unknown:
        with pytest.raises(NotFoundError) as no_store:
            unknown.customers.delete("CUST-42")
        assert no_store.value.verdict.rule == "kanal-404-store"
    with connect(kanal_sandbox) as kanal:
        with pytest.raises(NotFoundError) as missing:
            kanal.orders.update("NOPE", {"tags": []})
        assert missing.value.verdict.rule == "kanal-404"
        before = kanal_sandbox.stats.requests
        with pytest.raises(ValidationError) as invalid:
            kanal.orders.upsert({"external_id": "O", "customer": {}})
        assert kanal_sandbox.stats.requests == before
        with pytest.raises(ValidationError):
            kanal.orders.update("ORDER-1001", OrderUpdate())
    with (
        connect(kanal_sandbox, validate=False) as trusting,
        pytest.raises(PayloadRejectedError) as rejected,
    ):
        trusting.orders.upsert({"external_id": "O", "customer": {}})
    assert type(rejected.value) is PayloadRejectedError
    assert dict(rejected.value.field_errors) == dict(invalid.value.field_errors)


def test_configuration_errors_raise_in_the_caller_s_thread_before_any_portal() -> None:
    before = len(portal_threads())
    with pytest.raises(ConfigurationError, match="api_key"):
        Kanal("", 1)
    with pytest.raises(ConfigurationError, match="store_id"):
        Kanal("key", "store-1")
    with pytest.raises(ConfigurationError, match="base_url"):
        Kanal("key", 1, base_url="http://api.getkanal.com/api/v1")
    assert len(portal_threads()) == before


# -- lifecycle ------------------------------------------------------------------------------------


def test_close_is_idempotent_and_stops_the_clients_event_loop(kanal_sandbox: KanalSandbox) -> None:
    with connect(kanal_sandbox) as kanal:
        kanal.customers.upsert(customer())
        loop = loop_of(kanal)
        assert loop is not None
        assert portal_threads() == []  # one thread, the caller's: the loop runs there
        closed_inside = kanal.closed
    assert (closed_inside, kanal.closed) == (False, True)
    assert loop.is_closed()
    assert portal_threads() == []
    kanal.close()
    kanal.close()
    assert kanal.closed


def test_a_closed_client_says_so(kanal_sandbox: KanalSandbox) -> None:
    with connect(kanal_sandbox) as kanal:
        kanal.customers.upsert(customer())
    with pytest.raises(RuntimeError, match="this Kanal is closed; create a new one"):
        kanal.customers.upsert(customer())
    with pytest.raises(RuntimeError, match="closed"), kanal:
        pass
    assert kanal_sandbox.stats.requests == 1


def test_without_with_the_event_loop_starts_on_first_use_and_close_releases_it(
    kanal_sandbox: KanalSandbox,
) -> None:
    kanal = connect(kanal_sandbox)
    try:
        assert loop_of(kanal) is None  # nothing started yet
        assert kanal.customers.upsert(customer()).created is True
        loop = loop_of(kanal)
        assert loop is not None
        assert kanal.customers.upsert(customer()).created is False
        assert loop_of(kanal) is loop  # the same loop for every call
    finally:
        kanal.close()
    assert loop.is_closed()
    assert portal_threads() == []


def test_a_client_never_used_closes_without_starting_anything() -> None:
    kanal = Kanal("key", 1, base_url="http://127.0.0.1:9/api/v1")
    kanal.close()
    assert kanal.closed
    assert portal_threads() == []


def test_an_error_inside_with_still_closes_the_client(kanal_sandbox: KanalSandbox) -> None:
    kanal = connect(kanal_sandbox)

    def fail_inside_with() -> None:
        with kanal:
            kanal.customers.upsert(customer())
            raise KeyError("boom")

    with pytest.raises(KeyError):
        fail_inside_with()
    assert kanal.closed
    assert portal_threads() == []


def test_repr_names_the_store_and_url_only() -> None:
    kanal = Kanal("8fK2pX9mWq4Ld7Vb3Nc6Ts1Z", 123, base_url="http://127.0.0.1:9/api/v1")
    assert repr(kanal) == "Kanal(store_id=123, base_url='http://127.0.0.1:9/api/v1')"
    kanal.close()


# -- called from a thread whose event loop runs ---------------------------------------------------


@pytest.mark.anyio
async def test_a_call_from_a_running_event_loop_works_and_warns_once_per_client(
    kanal_sandbox: KanalSandbox,
) -> None:
    with connect(kanal_sandbox) as kanal:
        with pytest.warns(BlockingCallInEventLoopWarning) as caught:
            first = kanal.customers.upsert(customer("A"))
        assert first.created is True
        assert len(caught) == 1
        assert caught[0].filename == __file__  # it points at the caller's line
        assert "use the Async client instead" in str(caught[0].message)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # warned already: silent from now on
            assert kanal.customers.upsert(customer("B")).created is True
            kanal.orders.upsert(order())
            kanal.customers.delete("A")
    with connect(kanal_sandbox) as another, pytest.warns(BlockingCallInEventLoopWarning) as again:
        another.customers.delete("B")
    assert len(again) == 1


def test_a_call_inside_asyncio_run_on_a_worker_thread_works(kanal_sandbox: KanalSandbox) -> None:
    def in_worker(kanal: Kanal) -> tuple[bool | None, int]:
        async def notebook_cell() -> tuple[bool | None, int]:
            with pytest.warns(BlockingCallInEventLoopWarning) as caught:
                created = kanal.customers.upsert(customer()).created
            return created, len(caught)

        return asyncio.run(notebook_cell())

    with connect(kanal_sandbox) as kanal, ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(in_worker, kanal).result(timeout=30) == (True, 1)


def test_calls_without_a_running_loop_never_warn(kanal_sandbox: KanalSandbox) -> None:
    with connect(kanal_sandbox) as kanal, warnings.catch_warnings():
        warnings.simplefilter("error")
        kanal.customers.upsert(customer())


# -- many threads, one client ---------------------------------------------------------------------


def test_many_threads_share_one_client_and_one_portal(kanal_sandbox_factory: Any) -> None:
    sandbox: KanalSandbox = kanal_sandbox_factory(rate_limit=None)
    ids = [f"CUST-{number}" for number in range(64)]
    start = threading.Barrier(16)

    def push(kanal: Kanal, external_id: str) -> bool | None:
        if int(external_id.split("-")[1]) < 16:
            start.wait(timeout=10)  # the first calls race to start the portal
        return kanal.customers.upsert(customer(external_id)).created

    kanal = connect(sandbox)  # lazy: the portal starts under contention
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            created = list(pool.map(lambda external_id: push(kanal, external_id), ids))
        assert len(portal_threads()) == 1
    finally:
        kanal.close()
    assert created == [True] * len(ids)
    assert sorted(sandbox.records(DEFAULT_STORE_ID, "customers")) == sorted(ids)
    assert sandbox.stats.requests == len(ids)


# -- Ctrl-C -------------------------------------------------------------------------------------

_INTERRUPTED_CALL = """
import json, os, signal, sys, threading, time
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.kanal import Customer, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, KanalSandbox

SLOW = float(sys.argv[1])
with KanalSandbox().running_in_thread() as sandbox:
    kanal = Kanal(DEFAULT_API_KEY, 1, base_url=sandbox.base_url,
                  retry=RetryPolicy(attempt_timeout=3 * SLOW, deadline=6 * SLOW))
    kanal.customers.delete("warm-up: the portal and the session exist before the Ctrl-C")
    sandbox.set_faults(f"slow=1:{SLOW}")
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    try:
        kanal.customers.upsert(Customer(phone="+33612345678", external_id="C"))
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    interrupted_after = time.monotonic() - started
    closing = time.monotonic()
    kanal.close()
    close_took = time.monotonic() - closing
    print(json.dumps({
        "interrupted": interrupted,
        "interrupted_after": interrupted_after,
        "close_took": close_took,
        "requests": sandbox.stats.requests,
    }))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is delivered differently on Windows")
def test_ctrl_c_cancels_the_call_in_flight_instead_of_leaving_it_running() -> None:
    """The interrupted call stops: close() does not wait for it and it is never retried."""
    slow = 4.0
    result = subprocess.run(  # noqa: S603 - this Python, a fixed script
        [sys.executable, "-c", _INTERRUPTED_CALL, str(slow)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["interrupted"] is True
    assert report["interrupted_after"] < slow / 2  # the Ctrl-C came through at once
    # close() waits for the portal's tasks: had the call kept running (or retried), it would
    # have taken the slow answer's seconds.
    assert report["close_took"] < slow / 2
    assert report["requests"] == 2  # the warm-up, and the one interrupted attempt


# -- fork ---------------------------------------------------------------------------------------


def _wait_for_child(pid: int, *, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"the forked child did not finish within {timeout} s")


def _fork() -> int:
    with warnings.catch_warnings():
        # Python 3.12+ warns (DeprecationWarning) that fork() in a process with threads may
        # deadlock the child. That is the situation under test (the sandbox's and the portal's
        # threads are running), and filterwarnings=error would otherwise fail the test here.
        warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
        return os.fork()


def _in_child(work: Callable[[], bool]) -> None:
    code = 1
    try:
        code = 0 if work() else 2
    finally:
        os._exit(code)  # never return into pytest in the child


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
def test_a_forked_child_starts_its_own_portal_and_the_parent_keeps_its_own(
    kanal_sandbox: KanalSandbox,
) -> None:
    with connect(kanal_sandbox, retry=RetryPolicy(deadline=10, attempt_timeout=5)) as kanal:
        assert kanal.customers.upsert(customer("PARENT-1")).created is True
        pid = _fork()
        if pid == 0:
            _in_child(lambda: kanal.customers.upsert(customer("CHILD-1")).created is True)
        assert _wait_for_child(pid, timeout=8) == 0
        assert kanal.customers.upsert(customer("PARENT-2")).created is True
    assert list(kanal_sandbox.records(DEFAULT_STORE_ID, "customers")) == [
        "PARENT-1",
        "CHILD-1",
        "PARENT-2",
    ]
