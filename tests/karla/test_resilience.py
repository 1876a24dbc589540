"""Karla's retry semantics end to end: creates met by 409 after an ambiguous failure, POSTs that
nothing dedupes, retried DELETEs, and every error key of seed 002 mapped to its action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopbridge._sandbox.faults import FaultInjector, Faults
from shopbridge.core._errors import (
    ConflictError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    RequestError,
    RequestFailedError,
    error_class_for,
)
from shopbridge.core.sansio._verdict import Action
from shopbridge.karla import (
    ERROR_KEYS,
    KARLA_TABLE,
    Address,
    AnnouncementCreate,
    AsyncKarla,
    CampaignRequest,
    DiscountCreate,
    OrderPlacement,
    OrderTracking,
    OrderUpsert,
    ShipmentEvent,
)
from shopbridge.karla.sandbox import DEFAULT_SHOP, KarlaSandbox

pytestmark = pytest.mark.anyio

DROP_AFTER = "drop_after=0.5"


def seed_for(spec: str, *fates: str) -> int:
    """The first seed whose requests meet `fates` in order (``"ok"``, ``"drop_after"``...)."""
    faults = Faults.parse(spec)
    for seed in range(10_000):
        injector = FaultInjector(faults, seed=seed)
        drawn = []
        for _ in fates:
            kind = injector.plan().kind
            drawn.append(kind.value if kind else "ok")
        if drawn == list(fates):
            return seed
    pytest.fail(f"no seed plays {fates} with {spec!r}")


def placement(number: str = "1001") -> OrderPlacement:
    return OrderPlacement(
        order_number=number, external_id=f"e-{number}", address=Address(zip_code="10115")
    )


async def test_a_create_whose_answer_was_lost_then_meets_409_already_existed(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after", "ok"))

    created = await karla.orders.place(placement())

    assert created.already_existed
    assert not created.created
    assert created.record is None
    assert created.verdict.action is Action.ALREADY_EXISTED
    assert created.verdict.rule == "karla-order_exists-retried"
    assert created.attempts == 2
    assert dict(sandbox.stats.faults) == {"drop_after": 1}
    assert sandbox.find_order(DEFAULT_SHOP, "1001") is not None


@pytest.mark.parametrize(
    ("resource", "record"),
    [
        pytest.param(
            "campaigns",
            CampaignRequest(
                name="S", segment="default", promotion_type="basic", promotion_properties={}
            ),
            id="campaign",
        ),
        pytest.param("discounts", DiscountCreate(type="order", code="X10"), id="discount"),
        pytest.param(
            "announcements", AnnouncementCreate(text="Hi", language="en"), id="announcement"
        ),
    ],
)
async def test_every_create_resolves_its_retried_409(
    karla: AsyncKarla, sandbox: KarlaSandbox, resource: str, record: object
) -> None:
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after", "ok"))

    created = await getattr(karla, resource).create(record)

    assert created.already_existed
    assert created.verdict.rule.endswith("_exists-retried")


async def test_a_409_on_the_first_try_is_a_conflict_not_already_existed(
    karla: AsyncKarla,
) -> None:
    await karla.orders.place(placement())

    with pytest.raises(ConflictError) as caught:
        await karla.orders.place(placement())

    assert caught.value.attempts == 1
    assert caught.value.verdict.rule == "karla-order_exists"


async def test_a_put_upsert_is_resent_after_a_lost_answer(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after", "ok"))

    await karla.orders.upsert(OrderUpsert(id="1001", order=placement(), trackings=[]))

    assert sandbox.find_order(DEFAULT_SHOP, "1001") is not None
    assert sandbox.stats.requests == 2


async def test_a_shipment_event_is_not_resent_after_a_lost_answer(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    await karla.orders.upsert(
        OrderUpsert(id="1001", order=placement(), trackings=[OrderTracking(tracking_number="T-1")])
    )
    (order,) = await karla.orders.search(order_number="1001")
    before = sandbox.stats.requests
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after"))

    with pytest.raises(RequestFailedError) as caught:
        await karla.shipments.add_event(
            order.trackings[0].id,
            ShipmentEvent(
                event_name="PACKED", event_time=datetime(2026, 5, 18, tzinfo=UTC), external_id="e"
            ),
        )

    assert caught.value.verdict.rule == "karla-disconnected-not-deduplicated"
    assert not caught.value.retryable
    assert caught.value.attempts == 1
    assert sandbox.stats.requests - before == 1


async def test_a_delete_whose_answer_was_lost_then_meets_404_is_done(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    created = await karla.discounts.create(DiscountCreate(type="order", code="X10"))
    assert created.record is not None
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after", "ok"))

    await karla.discounts.delete(created.record.uuid)  # no NotFoundError: already gone

    assert [d async for d in karla.discounts.search()] == []


async def test_a_500_that_wrote_nothing_is_retried_and_the_create_succeeds(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    sandbox.fail_next("unexpected")  # a 500 with key `unexpected`, before processing
    created = await karla.orders.place(placement())

    assert created.created  # the scripted 500 wrote nothing, so the retry created it
    assert created.attempts == 2


SEED_ACTIONS = {key: KARLA_TABLE[f"karla-{key}"].action for key in ERROR_KEYS}


@pytest.mark.parametrize("key", list(ERROR_KEYS))
async def test_every_error_key_of_the_seed_ends_in_its_action(
    karla: AsyncKarla, sandbox: KarlaSandbox, key: str
) -> None:
    """The sandbox answers the key's exact envelope; the client acts as the table says."""
    sandbox.fail_next(key, times=10)
    action = SEED_ACTIONS[key]

    with pytest.raises(RequestError) as caught:
        await karla.shops.get()

    error = caught.value
    assert type(error) is error_class_for(action)
    assert error.error is not None
    assert error.error.key == key
    assert error.verdict.rule == f"karla-{key}"
    assert error.status == ERROR_KEYS[key].status
    if action.retryable:
        assert error.attempts == karla.retry.max_attempts
        assert error.retryable
    else:
        assert error.attempts == 1


@pytest.mark.parametrize(
    ("key", "cls"),
    [
        ("zip_code_invalid", PayloadRejectedError),
        ("order_not_found", NotFoundError),
        ("shop_not_found", CredentialsRejectedError),
        ("campaign_active_segment_exists", ConflictError),
    ],
)
async def test_errors_carry_the_key_and_a_readable_message(
    karla: AsyncKarla, sandbox: KarlaSandbox, key: str, cls: type[RequestError]
) -> None:
    sandbox.fail_next(key)

    with pytest.raises(cls) as caught:
        await karla.orders.upsert(OrderUpsert(id="1001", order=placement(), trackings=[]))

    text = str(caught.value)
    assert key in text or caught.value.verdict.rule in text
    assert "sandbox-key" not in text
