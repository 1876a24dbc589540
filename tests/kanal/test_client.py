"""`AsyncKanal` end to end against the Kanal sandbox on loopback: every endpoint, every error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from shopbridge.core._errors import (
    ConfigurationError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    RequestError,
    RequestFailedError,
    ValidationError,
)
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._verdict import Action
from shopbridge.kanal import (
    AsyncKanal,
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
from shopbridge.kanal.sandbox import (
    DEFAULT_ACCOUNTS,
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    OTHER_TEAM_API_KEY,
    OTHER_TEAM_STORE_ID,
    PAUSED_STORE_ID,
    SINGLE_STORE_API_KEY,
    KanalAccounts,
    KanalSandbox,
    KanalStore,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(
    max_attempts=3, deadline=10, attempt_timeout=5, backoff_base=0.01, backoff_max=0.05
)
PHONE = "+33612345678"
PLACED_AT = datetime(2026, 5, 18, 10, 0, tzinfo=UTC)
ABANDONED_AT = datetime(2026, 5, 18, 9, 40, tzinfo=UTC)
RECOVERY_URL = "https://shop.example.com/checkout/recover/7700"


def order(external_id: str = "ORDER-1001") -> Order:
    return Order(
        external_id=external_id,
        placed_at=PLACED_AT,
        total_price=Decimal("49.90"),
        currency="EUR",
        customer=Customer(phone=PHONE, first_name="Marie"),
        line_items=({"title": "T-shirt Bordeaux", "quantity": 2, "price": Decimal("24.95")},),
        tags=("vip",),
        metadata={"source": "test"},
    )


def checkout(external_id: str = "CHECKOUT-7700") -> Checkout:
    return Checkout(
        external_id=external_id,
        abandoned_at=ABANDONED_AT,
        total_price=Decimal("49.90"),
        currency="EUR",
        recovery_url=RECOVERY_URL,
        customer=Customer(phone=PHONE),
    )


def customer(external_id: str = "CUST-42") -> Customer:
    return Customer(
        external_id=external_id,
        phone=PHONE,
        first_name="Marie",
        email="marie@example.com",
        tags=("vip",),
        lifetime_value=1299,
        orders_count=7,
    )


def shipment(external_id: str = "SHIP-9001") -> Shipment:
    return Shipment(
        external_id=external_id,
        order_external_id="ORDER-1001",
        tracking_number="1Z999AA10123456784",
        tracking_url="https://track.example.com/1Z999AA10123456784",
        carrier="Colissimo",
        status="in_transit",
    )


def order_record(external_id: str = "ORDER-1001", **changes: Any) -> OrderRecord:
    fields: dict[str, Any] = {
        "external_id": external_id,
        "store_id": DEFAULT_STORE_ID,
        "total_price": Decimal("49.90"),
        "currency": "EUR",
        "financial_status": None,
        "fulfillment_status": None,
        "tags": ("vip",),
        "created_at": PLACED_AT,
    }
    return OrderRecord(**{**fields, **changes})


@pytest.fixture
async def sandbox() -> AsyncIterator[KanalSandbox]:
    async with KanalSandbox() as server:
        yield server


def client(
    sandbox: KanalSandbox,
    *,
    key: str = DEFAULT_API_KEY,
    store_id: int = DEFAULT_STORE_ID,
    **options: Any,
) -> AsyncKanal:
    return AsyncKanal(key, store_id, base_url=sandbox.base_url, retry=FAST, **options)


@pytest.fixture
async def kanal(sandbox: KanalSandbox) -> AsyncIterator[AsyncKanal]:
    async with client(sandbox) as opened:
        yield opened


# -- every endpoint: created 201, updated 200, exact typed records -------------------------------


async def test_order_upsert_creates_then_updates_with_an_exact_typed_record(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    created = await kanal.orders.upsert(order())
    assert created.record == order_record()
    assert (created.created, created.updated, created.attempts) == (True, False, 1)
    assert (created.verdict.status, created.verdict.rule) == (201, "kanal-201")
    assert type(created.record.total_price) is Decimal
    assert str(created.record.total_price) == "49.90"
    assert type(created.record.store_id) is int
    assert created.record.created_at is not None
    assert created.record.created_at.utcoffset() == timedelta(0)

    updated = await kanal.orders.upsert(order())
    assert updated.record == created.record
    assert (updated.created, updated.updated, updated.verdict.status) == (False, True, 200)
    assert list(sandbox.records(DEFAULT_STORE_ID, "orders")) == ["ORDER-1001"]
    assert sandbox.writes(DEFAULT_STORE_ID, "orders", "ORDER-1001") == 2


async def test_a_timestamp_with_an_offset_comes_back_as_the_same_instant_in_utc(
    kanal: AsyncKanal,
) -> None:
    paris = timezone(timedelta(hours=2))
    placed = datetime(2026, 5, 18, 12, 30, 15, tzinfo=paris)
    result = await kanal.orders.upsert(
        Order(external_id="O", placed_at=placed, total_price=5, customer=Customer(phone=PHONE))
    )
    assert result.record.created_at == placed
    assert result.record.created_at is not None
    assert result.record.created_at.utcoffset() == timedelta(0)
    assert result.record.total_price == Decimal("5.00")


async def test_order_update_changes_only_the_fields_given(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    await kanal.orders.upsert(order())
    record = await kanal.orders.update("ORDER-1001", OrderUpdate(financial_status="paid"))
    assert record == order_record(financial_status="paid")
    record = await kanal.orders.update(
        "ORDER-1001", {"fulfillment_status": "fulfilled", "tags": ("done",)}
    )
    assert record == order_record(
        financial_status="paid", fulfillment_status="fulfilled", tags=("done",)
    )
    record = await kanal.orders.update("ORDER-1001", OrderUpdate(financial_status=None))
    assert record.financial_status is None
    assert sandbox.writes(DEFAULT_STORE_ID, "orders", "ORDER-1001") == 4


async def test_checkout_upsert_then_update(kanal: AsyncKanal, sandbox: KanalSandbox) -> None:
    expected = CheckoutRecord(
        external_id="CHECKOUT-7700",
        store_id=DEFAULT_STORE_ID,
        status="abandoned",
        total_price=Decimal("49.90"),
        currency="EUR",
        recovery_url=RECOVERY_URL,
        tags=(),
        created_at=ABANDONED_AT,
    )
    created = await kanal.checkouts.upsert(checkout())
    assert (created.record, created.created) == (expected, True)
    assert (await kanal.checkouts.upsert(checkout())).created is False

    record = await kanal.checkouts.update(
        "CHECKOUT-7700", CheckoutUpdate(status="recovered", tags=["won"])
    )
    assert record == attrs.evolve(expected, status="recovered", tags=("won",))
    record = await kanal.checkouts.update("CHECKOUT-7700", {"recovery_url": None})
    assert (record.status, record.recovery_url) == ("recovered", None)
    assert sandbox.writes(DEFAULT_STORE_ID, "checkouts", "CHECKOUT-7700") == 4


async def test_customer_upsert_then_delete(kanal: AsyncKanal, sandbox: KanalSandbox) -> None:
    created = await kanal.customers.upsert(customer())
    assert created.created is True
    assert created.record == CustomerRecord(
        store_id=DEFAULT_STORE_ID,
        external_id="CUST-42",
        first_name="Marie",
        last_name=None,
        email="marie@example.com",
        locale=None,
        tags=("vip",),
        lifetime_value=1299,
        orders_count=7,
    )
    await kanal.customers.delete("CUST-42")
    stored = sandbox.record(DEFAULT_STORE_ID, "customers", "CUST-42")
    assert stored is not None
    assert (stored.deleted, stored.writes) == (True, 2)
    again = await kanal.customers.upsert(customer())
    assert again.created is True  # a deleted customer comes back as new


async def test_a_customer_without_external_id_is_keyed_by_phone(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    """The spec's "verifying your setup" call."""
    result = await kanal.customers.upsert({"phone": PHONE, "first_name": "Test"})
    assert (result.created, result.record.external_id, result.record.first_name) == (
        True,
        None,
        "Test",
    )
    assert list(sandbox.records(DEFAULT_STORE_ID, "customers")) == [PHONE]


async def test_shipment_upsert_links_the_order(kanal: AsyncKanal, sandbox: KanalSandbox) -> None:
    await kanal.orders.upsert(order())
    stored_order = sandbox.record(DEFAULT_STORE_ID, "orders", "ORDER-1001")
    assert stored_order is not None
    created = await kanal.shipments.upsert(shipment())
    assert created.created is True
    assert created.record == ShipmentRecord(
        external_id="SHIP-9001",
        store_id=DEFAULT_STORE_ID,
        order_id=stored_order.id,
        tracking_number="1Z999AA10123456784",
        tracking_url="https://track.example.com/1Z999AA10123456784",
        carrier="Colissimo",
        status="in_transit",
    )
    assert (await kanal.shipments.upsert(shipment())).created is False


async def test_a_plain_mapping_gives_the_same_record_as_the_model(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    mapping: dict[str, Any] = {
        "external_id": "ORDER-MAP",
        "placed_at": PLACED_AT,
        "total_price": Decimal("49.90"),
        "currency": "EUR",
        "customer": {"phone": PHONE, "first_name": "Marie"},
        "line_items": ({"title": "T-shirt Bordeaux", "quantity": 2, "price": Decimal("24.95")},),
        "tags": ("vip",),
        "metadata": {"source": "test"},
    }
    from_mapping = await kanal.orders.upsert(mapping)
    from_model = await kanal.orders.upsert(order("ORDER-MODEL"))
    assert from_mapping.record == order_record("ORDER-MAP")
    assert from_model.record == order_record("ORDER-MODEL")
    stored = sandbox.records(DEFAULT_STORE_ID, "orders")
    assert dict(stored["ORDER-MAP"].data) == {
        **stored["ORDER-MODEL"].data,
        "external_id": "ORDER-MAP",
    }


async def test_a_mapping_may_hold_a_model(kanal: AsyncKanal) -> None:
    result = await kanal.orders.upsert(
        {
            "external_id": "O",
            "placed_at": "2026-05-18T10:00:00Z",
            "total_price": "49.90",
            "customer": Customer(phone=PHONE),
        }
    )
    assert result.record.total_price == Decimal("49.90")


# -- external ids reach the sandbox as one id -----------------------------------------------------

AWKWARD_IDS = ["a/b", "a?b=1", "a#b", "a b", "..", ".", "100%", "café", "注文/1", "a%2Fb", "a\\b"]


@pytest.mark.parametrize("external_id", AWKWARD_IDS)
async def test_an_awkward_order_id_is_one_id_for_upsert_and_update(
    kanal: AsyncKanal, sandbox: KanalSandbox, external_id: str
) -> None:
    created = await kanal.orders.upsert(order(external_id))
    updated = await kanal.orders.update(external_id, OrderUpdate(financial_status="paid"))
    assert (created.created, created.record.external_id) == (True, external_id)
    assert (updated.external_id, updated.financial_status) == (external_id, "paid")
    assert list(sandbox.records(DEFAULT_STORE_ID, "orders")) == [external_id]
    assert sandbox.writes(DEFAULT_STORE_ID, "orders", external_id) == 2


async def test_an_id_with_surrounding_spaces_is_stored_trimmed_and_refused_in_a_path(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    """Laravel trims the body (TrimStrings), never the path: " x " in a path names nothing."""
    created = await kanal.orders.upsert(order(" x "))
    assert created.record.external_id == "x"
    requests = sandbox.stats.requests
    for call in (
        kanal.orders.update(" x ", {"tags": []}),
        kanal.checkouts.update("x ", {"tags": []}),
        kanal.customers.delete(" x"),
    ):
        with pytest.raises(ValidationError) as caught:
            await call
        assert "give the trimmed id" in caught.value.field_errors["external_id"][0]
    assert sandbox.stats.requests == requests  # nothing was sent
    assert (await kanal.orders.update("x", {"tags": []})).tags == ()
    assert list(sandbox.records(DEFAULT_STORE_ID, "orders")) == ["x"]


@pytest.mark.parametrize("external_id", AWKWARD_IDS)
async def test_an_awkward_checkout_id_is_one_id_for_upsert_and_update(
    kanal: AsyncKanal, sandbox: KanalSandbox, external_id: str
) -> None:
    await kanal.checkouts.upsert(checkout(external_id))
    record = await kanal.checkouts.update(external_id, {"status": "completed"})
    assert (record.external_id, record.status) == (external_id, "completed")
    assert sandbox.writes(DEFAULT_STORE_ID, "checkouts", external_id) == 2


@pytest.mark.parametrize("external_id", AWKWARD_IDS)
async def test_an_awkward_customer_id_is_one_id_for_upsert_and_delete(
    kanal: AsyncKanal, sandbox: KanalSandbox, external_id: str
) -> None:
    await kanal.customers.upsert(customer(external_id))
    await kanal.customers.delete(external_id)
    stored = sandbox.records(DEFAULT_STORE_ID, "customers")
    assert list(stored) == [external_id]
    assert (stored[external_id].deleted, stored[external_id].writes) == (True, 2)


@pytest.mark.parametrize("external_id", ["", "   "])
async def test_an_empty_id_in_the_path_is_refused_before_sending(
    kanal: AsyncKanal, sandbox: KanalSandbox, external_id: str
) -> None:
    for call in (
        kanal.orders.update(external_id, {"tags": []}),
        kanal.checkouts.update(external_id, {"tags": []}),
        kanal.customers.delete(external_id),
    ):
        with pytest.raises(ValidationError) as caught:
            await call
        assert dict(caught.value.field_errors) == {
            "external_id": ("The external id field is required.",)
        }
    assert sandbox.stats.requests == 0


# -- documented errors, end to end ----------------------------------------------------------------

ENDPOINTS: list[tuple[str, Callable[[AsyncKanal], Awaitable[object]]]] = [
    ("orders.upsert", lambda kanal: kanal.orders.upsert(order())),
    ("orders.update", lambda kanal: kanal.orders.update("ORDER-1001", {"tags": []})),
    ("checkouts.upsert", lambda kanal: kanal.checkouts.upsert(checkout())),
    ("checkouts.update", lambda kanal: kanal.checkouts.update("CHECKOUT-7700", {"tags": []})),
    ("customers.upsert", lambda kanal: kanal.customers.upsert(customer())),
    ("customers.delete", lambda kanal: kanal.customers.delete("CUST-42")),
    ("shipments.upsert", lambda kanal: kanal.shipments.upsert(shipment())),
]
ENDPOINT_IDS = [name for name, _ in ENDPOINTS]
ENDPOINT_CALLS = [call for _, call in ENDPOINTS]


@attrs.frozen
class Refusal:
    """What Kanal's refusal looks like once the client has classified it."""

    status: int
    cls: type[RequestError]
    action: Action
    rule: str
    message: str
    key: str


INVALID_KEY = Refusal(
    401,
    CredentialsRejectedError,
    Action.FIX_CREDENTIALS,
    "kanal-401",
    "Invalid API key",
    "api_key_invalid",
)
FORBIDDEN = Refusal(
    403,
    CredentialsRejectedError,
    Action.FIX_CREDENTIALS,
    "kanal-403",
    "API key does not authorize this store",
    "store_not_authorized",
)
NO_STORE = Refusal(
    404,
    NotFoundError,
    Action.NOT_FOUND,
    "kanal-404-store",
    "Store not found or paused",
    "store_not_found",
)


def assert_refused(error: RequestError, expected: Refusal) -> None:
    assert type(error) is expected.cls
    assert (error.status, error.action, error.verdict.rule) == (
        expected.status,
        expected.action,
        expected.rule,
    )
    assert error.error is not None
    assert (error.error.message, error.error.key) == (expected.message, expected.key)
    assert (error.retryable, error.attempts, error.gave_up) == (False, 1, None)
    assert dict(error.field_errors) == {}
    assert f"{expected.status} {expected.action.name} [{expected.rule}]" in str(error)
    assert f"server said: {expected.message}" in str(error)


@pytest.mark.parametrize("call", ENDPOINT_CALLS, ids=ENDPOINT_IDS)
async def test_a_wrong_key_is_401_on_every_endpoint(
    sandbox: KanalSandbox, call: Callable[[AsyncKanal], Awaitable[object]]
) -> None:
    async with client(sandbox, key="not-a-registered-key") as kanal:
        with pytest.raises(CredentialsRejectedError) as caught:
            await call(kanal)
    assert_refused(caught.value, INVALID_KEY)
    assert sandbox.stats.requests == 1  # never retried


@pytest.mark.parametrize("call", ENDPOINT_CALLS, ids=ENDPOINT_IDS)
async def test_another_team_s_store_is_403_on_every_endpoint(
    sandbox: KanalSandbox, call: Callable[[AsyncKanal], Awaitable[object]]
) -> None:
    async with client(sandbox, store_id=OTHER_TEAM_STORE_ID) as kanal:
        with pytest.raises(CredentialsRejectedError) as caught:
            await call(kanal)
    assert_refused(caught.value, FORBIDDEN)
    assert sandbox.stats.requests == 1


@pytest.mark.parametrize(
    ("key", "store_id", "expected"),
    [
        ("not-a-registered-key", 99, INVALID_KEY),
        (OTHER_TEAM_API_KEY, DEFAULT_STORE_ID, FORBIDDEN),
        (SINGLE_STORE_API_KEY, OTHER_TEAM_STORE_ID, FORBIDDEN),
        # The store check comes before the key's scope (spec §9.2): a paused store is 404.
        (SINGLE_STORE_API_KEY, PAUSED_STORE_ID, NO_STORE),
        (DEFAULT_API_KEY, 99, NO_STORE),
        (DEFAULT_API_KEY, PAUSED_STORE_ID, NO_STORE),
    ],
    ids=[
        "wrong-key",
        "other-team-key",
        "store-restricted-key-other-team",
        "store-restricted-key-paused-store",
        "unknown-store",
        "paused-store",
    ],
)
async def test_key_and_store_refusals_are_typed_and_carry_the_server_message(
    sandbox: KanalSandbox, key: str, store_id: int, expected: Refusal
) -> None:
    async with client(sandbox, key=key, store_id=store_id) as kanal:
        with pytest.raises(RequestError) as caught:
            await kanal.customers.upsert(customer())
    assert_refused(caught.value, expected)
    assert caught.value.path == f"/stores/{store_id}/customers"
    assert sandbox.stats.requests == 1


async def test_a_store_restricted_key_is_403_on_another_store_of_its_own_team() -> None:
    accounts = KanalAccounts(
        stores=(*DEFAULT_ACCOUNTS.stores, KanalStore(id=4, team="team-a")),
        keys=DEFAULT_ACCOUNTS.keys,
    )
    async with KanalSandbox(accounts=accounts) as sandbox:
        async with client(sandbox, store_id=4) as team_wide:
            assert (await team_wide.customers.upsert(customer())).created is True
        async with client(sandbox, key=SINGLE_STORE_API_KEY, store_id=4) as restricted:
            with pytest.raises(CredentialsRejectedError) as caught:
                await restricted.customers.upsert(customer())
    assert_refused(caught.value, FORBIDDEN)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda kanal: kanal.orders.update("NOPE", {"tags": []}), "Order not found"),
        (lambda kanal: kanal.checkouts.update("NOPE", {"tags": []}), "Checkout not found"),
    ],
    ids=["orders", "checkouts"],
)
async def test_patch_of_a_missing_record_is_not_found(
    kanal: AsyncKanal,
    sandbox: KanalSandbox,
    call: Callable[[AsyncKanal], Awaitable[object]],
    message: str,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await call(kanal)
    assert_refused(
        caught.value,
        Refusal(404, NotFoundError, Action.NOT_FOUND, "kanal-404", message, "record_not_found"),
    )
    assert sandbox.stats.writes == {}


async def test_deleting_an_unknown_customer_succeeds(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    await kanal.customers.delete("NOPE")
    assert dict(sandbox.stats.statuses) == {204: 1}


async def test_deleting_an_unknown_customer_succeeds_when_kanal_answers_404() -> None:
    async with KanalSandbox(missing_delete=404) as sandbox, client(sandbox) as kanal:
        await kanal.customers.delete("NOPE")
        await kanal.customers.upsert(customer())
        await kanal.customers.delete("CUST-42")
        await kanal.customers.delete("CUST-42")  # already gone: 404 again
        assert dict(sandbox.stats.statuses) == {404: 2, 201: 1, 204: 1}
        assert sandbox.stats.requests == 4  # none of the 404s was retried


async def test_a_base_url_without_the_api_prefix_is_a_failure_that_says_so(
    sandbox: KanalSandbox,
) -> None:
    async with AsyncKanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.root_url + "/api", retry=FAST
    ) as kanal:
        with pytest.raises(RequestFailedError) as caught:
            await kanal.customers.upsert(customer())
    error = caught.value
    assert (error.status, error.verdict.rule, error.attempts) == (404, "kanal-404-route", 1)
    assert "check base_url" in str(error)


# -- validation: client-side equals server-side ---------------------------------------------------

SEED_422 = {"customer.phone": ("The customer.phone field is required.",)}

INVALID: list[tuple[str, Callable[[AsyncKanal], Awaitable[object]]]] = [
    (
        "seed-example-mapping",
        lambda kanal: kanal.orders.upsert(
            {
                "external_id": "ORDER-1001",
                "placed_at": PLACED_AT,
                "total_price": Decimal("49.90"),
                "customer": {"first_name": "Marie"},
            }
        ),
    ),
    (
        "seed-example-model",
        lambda kanal: kanal.orders.upsert(
            Order(
                external_id="ORDER-1001",
                placed_at=PLACED_AT,
                total_price=Decimal("49.90"),
                customer=Customer(phone="   ", first_name="Marie"),
            )
        ),
    ),
    (
        "order-many",
        lambda kanal: kanal.orders.upsert(
            {
                "external_id": "x" * 256,
                "placed_at": "yesterday",
                "total_price": -1,
                "currency": "EURO",
                "customer": {"phone": PHONE, "email": "nope", "orders_count": 1.5},
                "tags": ["a", 1],
                "line_items": "many",
            }
        ),
    ),
    (
        "checkout",
        lambda kanal: kanal.checkouts.upsert(
            {
                "external_id": "C",
                "abandoned_at": ABANDONED_AT,
                "total_price": "free",
                "recovery_url": "not a url",
                "customer": {"phone": PHONE, "locale": "fr-FR-x-long"},
            }
        ),
    ),
    (
        "customer",
        lambda kanal: kanal.customers.upsert(
            Customer(phone=PHONE, email="marie@", lifetime_value=-5, first_name="")
        ),
    ),
    (
        "shipment",
        lambda kanal: kanal.shipments.upsert({"external_id": "S", "status": "lost"}),
    ),
    ("order-update", lambda kanal: kanal.orders.update("O", {"tags": "vip", "metadata": []})),
    (
        "checkout-update",
        lambda kanal: kanal.checkouts.update("C", {"status": "lost", "recovery_url": "x"}),
    ),
]


async def _errors_both_sides(
    sandbox: KanalSandbox, call: Callable[[AsyncKanal], Awaitable[object]]
) -> tuple[ValidationError, PayloadRejectedError]:
    async with client(sandbox) as checking:
        with pytest.raises(ValidationError) as before:
            await call(checking)
    assert sandbox.stats.requests == 0  # refused before sending
    async with client(sandbox, validate=False) as trusting:
        with pytest.raises(PayloadRejectedError) as after:
            await call(trusting)
    assert sandbox.stats.requests == 1
    return before.value, after.value


@pytest.mark.parametrize("call", [call for _, call in INVALID], ids=[name for name, _ in INVALID])
async def test_the_client_rejects_exactly_what_the_server_would(
    sandbox: KanalSandbox, call: Callable[[AsyncKanal], Awaitable[object]]
) -> None:
    client_side, server_side = await _errors_both_sides(sandbox, call)
    assert dict(client_side.field_errors) == dict(server_side.field_errors)
    assert client_side.field_errors  # not vacuous
    assert (client_side.attempts, client_side.status, client_side.verdict.rule) == (
        0,
        None,
        "client-validation",
    )
    assert type(server_side) is PayloadRejectedError
    assert (server_side.attempts, server_side.status, server_side.verdict.rule) == (
        1,
        422,
        "kanal-422",
    )
    assert server_side.action is client_side.action is Action.FIX_PAYLOAD
    assert server_side.retryable is client_side.retryable is False
    assert server_side.error is not None
    assert server_side.error.key == "validation_failed"
    assert sandbox.stats.writes == {}


async def test_the_seed_422_example_exactly(sandbox: KanalSandbox) -> None:
    client_side, server_side = await _errors_both_sides(sandbox, INVALID[0][1])
    assert dict(client_side.field_errors) == dict(server_side.field_errors) == SEED_422
    assert server_side.error is not None
    assert server_side.error.message == "The customer.phone field is required."
    assert str(server_side).splitlines()[1:] == [
        "server said: The customer.phone field is required.",
        "  customer.phone: The customer.phone field is required.",
    ]
    assert str(client_side).splitlines()[1:] == [
        "  customer.phone: The customer.phone field is required."
    ]


async def test_several_server_errors_are_summarised_like_laravel(sandbox: KanalSandbox) -> None:
    _, server_side = await _errors_both_sides(sandbox, dict(INVALID)["shipment"])
    assert server_side.error is not None
    assert server_side.error.message == (
        "The order external id field is required. (and 1 more error)"
    )
    assert dict(server_side.field_errors) == {
        "order_external_id": ("The order external id field is required.",),
        "status": ("The selected status is invalid.",),
    }


@pytest.mark.parametrize(
    "record",
    [["not", "a", "record"], "ORDER-1001", 42],
    ids=["list", "str", "int"],
)
async def test_a_record_that_is_not_an_object_is_refused_before_sending(
    kanal: AsyncKanal, sandbox: KanalSandbox, record: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        await kanal.orders.upsert(record)
    assert dict(caught.value.field_errors) == {"": ("The order must be a JSON object.",)}
    assert sandbox.stats.requests == 0


async def test_a_value_json_cannot_hold_is_refused_before_sending(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    with pytest.raises(ValidationError) as caught:
        await kanal.orders.upsert({**_order_mapping(), "metadata": {"seen": {1, 2}}})
    assert list(caught.value.field_errors) == [""]
    assert "cannot be sent as JSON" in str(caught.value)
    # Beyond 64 bits, Laravel's integer rule refuses it before JSON could not hold it.
    with pytest.raises(ValidationError) as caught:
        await kanal.customers.upsert(Customer(phone=PHONE, lifetime_value=2**64))
    assert dict(caught.value.field_errors) == {
        "lifetime_value": ("The lifetime value field must be an integer.",)
    }
    assert sandbox.stats.requests == 0


async def test_unknown_fields_are_refused_by_default(
    kanal: AsyncKanal, sandbox: KanalSandbox
) -> None:
    with pytest.raises(ValidationError) as caught:
        await kanal.orders.upsert(
            {
                **_order_mapping(),
                "colour": "red",
                "customer": {"phone": PHONE, "nickname": "Mimi"},
            }
        )
    errors = dict(caught.value.field_errors)
    assert list(errors) == ["colour", "customer.nickname"]
    assert errors["colour"][0].startswith(
        "The colour field is not a Kanal order field; Kanal would ignore it. Expected one of: "
        "currency, customer, external_id,"
    )
    assert errors["customer.nickname"][0].startswith(
        "The customer.nickname field is not a Kanal customer field; Kanal would ignore it. "
        "Expected one of: email, external_id, first_name,"
    )
    assert sandbox.stats.requests == 0


async def test_unknown_fields_are_sent_when_asked(sandbox: KanalSandbox) -> None:
    async with client(sandbox, unknown_fields="send") as kanal:
        result = await kanal.orders.upsert(
            {**_order_mapping(), "colour": "red", "customer": {"phone": PHONE, "nickname": "M"}}
        )
    assert result.created is True
    stored = sandbox.record(DEFAULT_STORE_ID, "orders", "ORDER-1001")
    assert stored is not None
    assert stored.data["customer"] == {"phone": PHONE, "nickname": "M"}  # it went on the wire
    assert "colour" not in stored.data  # and Kanal ignores what it does not know


async def test_unknown_fields_are_still_validated_when_sent(sandbox: KanalSandbox) -> None:
    async with client(sandbox, unknown_fields="send") as kanal:
        with pytest.raises(ValidationError) as caught:
            await kanal.orders.upsert({**_order_mapping(), "colour": "red", "total_price": -1})
    assert list(caught.value.field_errors) == ["total_price"]


@pytest.mark.parametrize(
    "call",
    [
        lambda kanal: kanal.orders.update("ORDER-1001", OrderUpdate()),
        lambda kanal: kanal.orders.update("ORDER-1001", {}),
        lambda kanal: kanal.checkouts.update("CHECKOUT-7700", CheckoutUpdate()),
    ],
    ids=["order-model", "order-mapping", "checkout-model"],
)
async def test_an_empty_patch_is_refused_before_sending(
    kanal: AsyncKanal, sandbox: KanalSandbox, call: Callable[[AsyncKanal], Awaitable[object]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        await call(kanal)
    (path, messages), *others = caught.value.field_errors.items()
    assert (path, others) == ("", [])
    assert messages[0].startswith("Nothing to update: give at least one of ")
    assert sandbox.stats.requests == 0


async def test_the_empty_patch_message_lists_the_fields_in_a_stable_order(
    kanal: AsyncKanal,
) -> None:
    with pytest.raises(ValidationError) as caught:
        await kanal.orders.update("ORDER-1001", OrderUpdate())
    assert dict(caught.value.field_errors) == {
        "": (
            "Nothing to update: give at least one of financial_status, fulfillment_status, "
            "metadata, tags.",
        )
    }


# -- configuration -------------------------------------------------------------------------------

KEY = "8fK2pX9mWq4Ld7Vb3Nc6Ts1Z"


@pytest.mark.parametrize(
    ("arguments", "options", "field"),
    [
        (("", 1), {}, "api_key"),
        (("   ", 1), {}, "api_key"),
        ((f" {KEY}", 1), {}, "api_key"),
        ((f"{KEY}\n", 1), {}, "api_key"),
        ((None, 1), {}, "api_key"),
        ((KEY, 0), {}, "store_id"),
        ((KEY, -1), {}, "store_id"),
        ((KEY, "abc"), {}, "store_id"),
        ((KEY, "1.5"), {}, "store_id"),
        ((KEY, 1.0), {}, "store_id"),
        ((KEY, True), {}, "store_id"),
        ((KEY, 1), {"base_url": "http://api.getkanal.com/api/v1"}, "base_url"),
        ((KEY, 1), {"base_url": "http://10.0.0.5:8080/api/v1"}, "base_url"),
        ((KEY, 1), {"base_url": "https://user:pass@api.getkanal.com/api/v1"}, "base_url"),
        ((KEY, 1), {"base_url": f"https://{KEY}@api.getkanal.com/api/v1"}, "base_url"),
        ((KEY, 1), {"base_url": f"https://api.getkanal.com/api/v1?key={KEY}"}, "base_url"),
        ((KEY, 1), {"base_url": "api.getkanal.com/api/v1"}, "base_url"),
        ((KEY, 1), {"rate_window": 0}, "rate_window"),
        ((KEY, 1), {"unknown_fields": "ignore"}, "unknown_fields"),
    ],
)
def test_a_misconfigured_client_says_which_setting_is_wrong_without_the_key(
    arguments: tuple[Any, Any], options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AsyncKanal(*arguments, **options)
    message = str(caught.value)
    assert field in message
    assert KEY not in message
    assert isinstance(caught.value, ValueError)


async def test_a_client_without_store_id_says_a_commerce_call_needs_one_without_the_key() -> None:
    # Moved from the row ((KEY, None), "store_id") above: without a store_id the client is a
    # messaging-only one, and the missing store_id is said at the first commerce call.
    async with AsyncKanal(KEY, None, base_url="http://127.0.0.1:9/api/v1") as kanal:
        with pytest.raises(ConfigurationError) as caught:
            await kanal.orders.upsert(order())
    message = str(caught.value)
    assert "store_id" in message
    assert KEY not in message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1"),
        ("http://localhost:8080/api/v1/", "http://localhost:8080/api/v1"),
        ("http://[::1]:8080/api/v1", "http://[::1]:8080/api/v1"),
    ],
)
def test_plain_http_to_this_machine_is_allowed(base_url: str, expected: str) -> None:
    assert AsyncKanal(KEY, 1, base_url=base_url).base_url == expected


def test_plain_http_elsewhere_is_allowed_when_asked() -> None:
    url = "http://kanal.internal/api/v1"
    assert AsyncKanal(KEY, 1, base_url=url, allow_insecure_http=True).base_url == url


def test_a_numeric_string_store_id_is_read_as_a_number() -> None:
    assert AsyncKanal(KEY, " 123 ").store_id == 123


async def test_plain_http_to_localhost_reaches_the_sandbox(sandbox: KanalSandbox) -> None:
    url = f"http://localhost:{sandbox.port}/api/v1/"
    async with AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=url, retry=FAST) as kanal:
        assert (await kanal.customers.upsert(customer())).created is True


# -- lifecycle ------------------------------------------------------------------------------------


async def test_aclose_is_idempotent(sandbox: KanalSandbox) -> None:
    kanal = client(sandbox)
    async with kanal:
        await kanal.customers.upsert(customer())
    await kanal.aclose()
    await kanal.aclose()


async def test_a_client_used_without_async_with_opens_itself_and_closes(
    sandbox: KanalSandbox,
) -> None:
    kanal = client(sandbox)
    try:
        assert (await kanal.customers.upsert(customer())).created is True
    finally:
        await kanal.aclose()


async def test_a_closed_client_refuses_to_send(sandbox: KanalSandbox) -> None:
    async with client(sandbox) as kanal:
        await kanal.customers.upsert(customer())
    with pytest.raises(RuntimeError, match="closed"):
        await kanal.customers.upsert(customer())
    assert sandbox.stats.requests == 1


def test_repr_names_the_store_and_url_only() -> None:
    kanal = AsyncKanal(KEY, 123, base_url="http://127.0.0.1:9/api/v1")
    assert repr(kanal) == "AsyncKanal(store_id=123, base_url='http://127.0.0.1:9/api/v1')"


# -- helpers --------------------------------------------------------------------------------------


def _order_mapping() -> dict[str, Any]:
    return {
        "external_id": "ORDER-1001",
        "placed_at": "2026-05-18T10:00:00Z",
        "total_price": 49.9,
        "customer": {"phone": PHONE},
    }
