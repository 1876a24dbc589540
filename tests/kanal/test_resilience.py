"""Retries, waits and pacing of `AsyncKanal`, against the sandbox's rate limit and faults.

Faults are seeded: `seed_for` asks the sandbox's own fault generator which seed plays the
wanted sequence of fates (a drop, then an answer ...), so each test meets exactly the faults
it is about, in order, without racing the client.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from shopbridge._sandbox.faults import FaultInjector
from shopbridge.core._errors import RateLimitedError, RequestFailedError, TransientError
from shopbridge.core._pacing import LocalPacing
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._table import Rule
from shopbridge.core.sansio._verdict import Action, WaitSource
from shopbridge.kanal import KANAL_TABLE, AsyncKanal, Customer, Order
from shopbridge.kanal.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    Faults,
    KanalSandbox,
    RateLimit,
)

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio

PHONE = "+33612345678"
FAST = RetryPolicy(
    max_attempts=8, deadline=10, attempt_timeout=5, backoff_base=0.01, backoff_max=0.05
)


def customer(external_id: str = "CUST-42") -> Customer:
    return Customer(external_id=external_id, phone=PHONE, first_name="Marie")


def order(external_id: str = "ORDER-1001") -> Order:
    return Order(
        external_id=external_id,
        placed_at=datetime(2026, 5, 18, 10, 0, tzinfo=UTC),
        total_price=Decimal("49.90"),
        customer=Customer(phone=PHONE),
    )


def client(sandbox: KanalSandbox, *, retry: RetryPolicy = FAST, **options: Any) -> AsyncKanal:
    return AsyncKanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, retry=retry, **options
    )


def _fate(faults: Faults, seed: int, count: int) -> list[str]:
    injector = FaultInjector(faults, seed=seed)
    fates = []
    for _ in range(count):
        plan = injector.plan()
        fates.append("slow" if plan.delay else plan.kind.value if plan.kind else "ok")
    return fates


async def eventually(condition: Callable[[], bool], *, within: float = 3.0) -> None:
    """Wait until `condition()` holds: the sandbox's counters have no event to wait on."""
    with anyio.fail_after(within):
        while not condition():  # noqa: ASYNC110 - polling the sandbox, see above
            await anyio.sleep(0.005)


def seed_for(spec: str, *fates: str) -> int:
    """The first seed whose requests meet `fates` in order (``"ok"``, ``"slow"``, ``"503"``...)."""
    faults = Faults.parse(spec)
    for seed in range(10_000):
        if _fate(faults, seed, len(fates)) == list(fates):
            return seed
    pytest.fail(f"no seed plays {fates} with {spec!r}")


# -- 429: wait exactly what the server says -------------------------------------------------------


async def test_a_429_is_waited_for_exactly_retry_after_then_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="shopbridge")
    spec = "throttle=0.5:1"
    async with (
        KanalSandbox(faults=spec, seed=seed_for(spec, "throttle", "ok")) as sandbox,
        client(sandbox) as kanal,
    ):
        started = time.monotonic()
        result = await kanal.customers.upsert(customer())
        elapsed = time.monotonic() - started
    assert (result.created, result.attempts) == (True, 2)
    assert elapsed >= 1.0  # Retry-After: 1, never jittered shorter
    (wait,) = [record for record in caplog.records if hasattr(record, "wait_source")]
    assert (wait.wait_source, wait.wait) == ("Retry-After", 1.0)  # type: ignore[attr-defined]
    assert dict(sandbox.stats.faults) == {"throttle": 1}


async def test_a_429_from_a_spent_window_is_waited_out_then_succeeds() -> None:
    async with KanalSandbox(rate_limit=RateLimit(limit=2, window=1)) as sandbox:
        # Another process spends the window: its own pacer (clients of one process share one).
        async with client(sandbox, pacing=LocalPacing()) as other_task:
            for number in range(2):
                await other_task.customers.upsert(customer(f"OTHER-{number}"))
        async with client(sandbox, rate_window=1) as kanal:
            started = time.monotonic()
            result = await kanal.customers.upsert(customer())
            elapsed = time.monotonic() - started
    assert (result.created, result.attempts, result.verdict.rule) == (True, 2, "kanal-201")
    assert elapsed >= 1.0
    assert sandbox.stats.rate_limited == 1


async def test_one_429_pauses_every_task_of_the_store() -> None:
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        await kanal.customers.upsert(customer("WARM-UP"))  # the store's limiter knows the store
        sandbox.set_faults("throttle=1:1")
        results: dict[str, bool | None] = {}

        async def push(external_id: str) -> None:
            results[external_id] = (await kanal.customers.upsert(customer(external_id))).created

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(push, "FIRST")
            await eventually(lambda: sandbox.stats.faults.get("throttle", 0) == 1)
            sandbox.set_faults("none")  # from now on, anything sent succeeds at once
            paused_at = sandbox.stats.requests
            for number in range(4):
                tasks.start_soon(push, f"OTHER-{number}")
            await anyio.sleep(0.6)  # well inside the 1 s pause
            sent_during_the_pause = sandbox.stats.requests - paused_at
    assert sent_during_the_pause == 0
    assert results == dict.fromkeys(["FIRST", "OTHER-0", "OTHER-1", "OTHER-2", "OTHER-3"], True)
    assert dict(sandbox.stats.faults) == {"throttle": 1}
    assert sandbox.stats.requests == 1 + 2 + 4


async def test_the_pacer_keeps_three_windows_of_concurrent_records_under_the_limit() -> None:
    limit, window = 5, 0.5
    async with (
        KanalSandbox(rate_limit=RateLimit(limit=limit, window=window)) as sandbox,
        client(sandbox, rate_window=window) as kanal,
    ):
        ids = [f"CUST-{number}" for number in range(3 * limit)]
        results: list[bool | None] = []

        async def push(external_id: str) -> None:
            results.append((await kanal.customers.upsert(customer(external_id))).created)

        started = time.monotonic()
        async with anyio.create_task_group() as tasks:
            for external_id in ids:
                tasks.start_soon(push, external_id)
        elapsed = time.monotonic() - started
    assert sandbox.stats.rate_limited == 0
    assert results == [True] * len(ids)
    assert sorted(sandbox.records(DEFAULT_STORE_ID, "customers")) == sorted(ids)
    assert sandbox.stats.requests == len(ids)  # not one request was refused and resent
    assert elapsed >= 2 * window  # three windows' worth: the limit was really in play


# -- 5xx: back off, then succeed ------------------------------------------------------------------


async def test_503s_back_off_and_then_succeed() -> None:
    async with (
        KanalSandbox(faults="503=0.5", seed=11) as sandbox,
        client(sandbox) as kanal,
    ):
        results = [await kanal.customers.upsert(customer(f"CUST-{n}")) for n in range(10)]
    retries = sum(result.attempts - 1 for result in results)
    assert retries == sandbox.stats.faults["503"] > 0
    assert max(result.attempts for result in results) > 1
    assert all(result.created is True for result in results)  # a 503 applied nothing
    assert all(sandbox.writes(DEFAULT_STORE_ID, "customers", f"CUST-{n}") == 1 for n in range(10))


async def test_5xx_with_bodies_that_are_not_json_are_retried_too() -> None:
    spec = "500=0.2,502=0.2,503=0.2,504=0.1,malformed=1"
    async with KanalSandbox(faults=spec, seed=5) as sandbox, client(sandbox) as kanal:
        results = [await kanal.orders.upsert(order(f"ORDER-{n}")) for n in range(10)]
    faults = sandbox.stats.faults
    injected = sum(faults.get(status, 0) for status in ("500", "502", "503", "504"))
    assert faults["malformed"] == injected > 0
    assert sum(result.attempts - 1 for result in results) == injected
    assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 10


async def test_retries_exhausted_raise_a_retryable_transient_error() -> None:
    policy = RetryPolicy(max_attempts=3, deadline=10, backoff_base=0.01, backoff_max=0.02)
    async with (
        KanalSandbox(faults="503=1") as sandbox,
        client(sandbox, retry=policy) as kanal,
    ):
        with pytest.raises(TransientError) as caught:
            await kanal.customers.upsert(customer())
    error = caught.value
    assert (error.retryable, error.attempts, error.status) == (True, 3, 503)
    assert (error.action, error.verdict.rule) == (Action.BACKOFF, "kanal-5xx")
    assert error.gave_up == "3 attempts made, the most this policy allows"
    assert "gave up: 3 attempts made" in str(error)
    assert sandbox.stats.requests == 3
    assert sandbox.records(DEFAULT_STORE_ID, "customers") == {}


# -- dropped connections and timeouts: retried, one record ----------------------------------------


async def test_a_connection_dropped_after_the_write_leaves_exactly_one_record() -> None:
    """The retry's 200 may be the update of what the lost attempt created: `created` is None."""
    spec = "drop_after=0.5"
    async with (
        KanalSandbox(faults=spec, seed=seed_for(spec, "drop_after", "ok")) as sandbox,
        client(sandbox) as kanal,
    ):
        result = await kanal.orders.upsert(order())
    assert (result.attempts, result.created, result.updated) == (2, None, None)
    assert (result.verdict.status, result.verdict.rule) == (200, "kanal-200")
    assert list(sandbox.records(DEFAULT_STORE_ID, "orders")) == ["ORDER-1001"]
    assert sandbox.writes(DEFAULT_STORE_ID, "orders", "ORDER-1001") == 2
    assert dict(sandbox.stats.faults) == {"drop_after": 1}


async def test_without_a_drop_the_same_upsert_is_plainly_created() -> None:
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        result = await kanal.orders.upsert(order())
    assert (result.attempts, result.created, result.updated) == (1, True, False)
    assert sandbox.writes(DEFAULT_STORE_ID, "orders", "ORDER-1001") == 1


async def test_a_connection_dropped_before_the_write_is_retried_and_created_once() -> None:
    spec = "drop_before=0.5"
    async with (
        KanalSandbox(faults=spec, seed=seed_for(spec, "drop_before", "ok")) as sandbox,
        client(sandbox) as kanal,
    ):
        result = await kanal.orders.upsert(order())
    # The client cannot tell the two drops apart, but the 201 says the record is new.
    assert (result.attempts, result.created) == (2, True)
    assert sandbox.writes(DEFAULT_STORE_ID, "orders", "ORDER-1001") == 1


async def test_however_many_drops_every_record_is_written_once_per_attempt_and_kept_once() -> None:
    async with (
        KanalSandbox(faults="drop_after=0.3,drop_before=0.2", seed=3) as sandbox,
        client(sandbox) as kanal,
    ):
        results = {n: await kanal.customers.upsert(customer(f"CUST-{n}")) for n in range(12)}
    assert len(sandbox.records(DEFAULT_STORE_ID, "customers")) == 12
    faults = sandbox.stats.faults
    assert faults["drop_after"] > 0
    assert faults["drop_before"] > 0
    assert sum(r.attempts - 1 for r in results.values()) == sum(faults.values())
    for n, result in results.items():
        writes = sandbox.writes(DEFAULT_STORE_ID, "customers", f"CUST-{n}")
        assert 1 <= writes <= result.attempts
        # Unknowable only when an earlier attempt may have created it and the last one said 200.
        assert result.created is (True if writes == 1 else None)


async def test_a_read_timeout_is_retried_and_the_record_exists_once() -> None:
    spec = "slow=0.5:0.6"
    policy = RetryPolicy(deadline=10, attempt_timeout=0.2, backoff_base=0.01, backoff_max=0.02)
    async with (
        KanalSandbox(faults=spec, seed=seed_for(spec, "slow", "ok")) as sandbox,
        client(sandbox, retry=policy) as kanal,
    ):
        result = await kanal.orders.upsert(order())
        assert (result.attempts, result.created) == (2, True)
        # The slow first attempt is still applied server-side, later: on the same record.
        await eventually(lambda: sandbox.writes(DEFAULT_STORE_ID, "orders", "ORDER-1001") == 2)
    assert list(sandbox.records(DEFAULT_STORE_ID, "orders")) == ["ORDER-1001"]


# -- a server wait longer than the deadline: give up at once --------------------------------------


async def test_a_retry_after_beyond_the_deadline_gives_up_at_once_with_that_reason() -> None:
    policy = RetryPolicy(deadline=3, attempt_timeout=2, backoff_base=0.01)
    async with (
        KanalSandbox(faults="throttle=1:30") as sandbox,
        client(sandbox, retry=policy) as kanal,
    ):
        started = time.monotonic()
        with pytest.raises(RateLimitedError) as caught:
            await kanal.customers.upsert(customer())
        elapsed = time.monotonic() - started
    assert elapsed < 1.5  # nowhere near the 30 s wait, nor even the 3 s deadline
    error = caught.value
    assert error.gave_up is not None
    assert re.fullmatch(
        r"the server asked to wait 30 s \(Retry-After\), but only [0-9.]+ s of the 3 s "
        r"deadline remain",
        error.gave_up,
    )
    assert (error.retryable, error.attempts, error.status) == (True, 1, 429)
    assert (error.verdict.wait, error.verdict.wait_source) == (30.0, WaitSource.RETRY_AFTER)
    assert f"gave up: {error.gave_up}" in str(error)
    assert sandbox.stats.requests == 1


async def test_a_long_rate_limit_window_gives_up_at_once_and_then_sends_nothing() -> None:
    policy = RetryPolicy(deadline=3, attempt_timeout=2, backoff_base=0.01)
    async with KanalSandbox(rate_limit=RateLimit(limit=1, window=30)) as sandbox:
        async with client(sandbox) as other_task:
            await other_task.customers.upsert(customer("OTHER"))
        async with client(sandbox, retry=policy) as kanal:
            started = time.monotonic()
            with pytest.raises(RateLimitedError) as first:
                await kanal.customers.upsert(customer())
            assert time.monotonic() - started < 1.5
            assert first.value.gave_up is not None
            assert "(Retry-After)" in first.value.gave_up
            # The store stays paused: the next call is refused before it is sent.
            with pytest.raises(RateLimitedError) as second:
                await kanal.customers.upsert(customer())
    assert (second.value.verdict.rule, second.value.attempts) == ("pacing", 0)
    assert second.value.gave_up is not None
    assert second.value.gave_up.endswith("past the deadline")
    assert sandbox.stats.requests == 2  # the other task's, and the one 429


# -- the decision table is the client's to change -------------------------------------------------


async def test_a_custom_rule_changes_what_a_503_does() -> None:
    table = KANAL_TABLE.prepend(
        Rule(
            name="mine-503-fail",
            status=503,
            action=Action.FAIL,
            reason="Our gateway answers 503 only when the store is migrated: stop.",
        )
    )
    async with (
        KanalSandbox(faults="503=1") as sandbox,
        client(sandbox, table=table) as kanal,
    ):
        with pytest.raises(RequestFailedError) as caught:
            await kanal.customers.upsert(customer())
    error = caught.value
    assert (error.verdict.rule, error.attempts, error.status) == ("mine-503-fail", 1, 503)
    assert error.retryable is False
    assert "Our gateway answers 503 only when the store is migrated" in str(error)
    assert sandbox.stats.requests == 1
