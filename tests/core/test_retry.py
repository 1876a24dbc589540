"""The retry policy's plans, and the retrier running real attempts on asyncio."""

from __future__ import annotations

import math
import random
import time
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.core._retry import Plan, Retrier, RetryPolicy, RetrySignal, RetryState
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource

BACKOFF = Verdict(action=Action.BACKOFF, reason="transient", rule="test-5xx", status=503)
PAYLOAD = Verdict(action=Action.FIX_PAYLOAD, reason="bad record", rule="test-422", status=422)


def server_wait(seconds: float, source: WaitSource = WaitSource.RETRY_AFTER) -> Verdict:
    return Verdict(
        action=Action.WAIT_RETRY_AFTER,
        reason="rate limited",
        rule="test-429",
        status=429,
        wait=seconds,
        wait_source=source,
    )


def plan(
    policy: RetryPolicy,
    verdict: Verdict,
    *,
    attempts: int = 1,
    remaining: float | None = 100.0,
    seed: int = 0,
) -> Plan:
    return policy.plan(
        attempts=attempts, remaining=remaining, verdict=verdict, rng=random.Random(seed)
    )


# RetryPolicy.plan


def test_a_final_verdict_is_never_retried() -> None:
    result = plan(RetryPolicy(), PAYLOAD)
    assert result.give_up == "FIX_PAYLOAD is not retried"


def test_plan_gives_up_at_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert plan(policy, BACKOFF, attempts=2).give_up is None
    give_up = plan(policy, BACKOFF, attempts=3).give_up
    assert give_up == "3 attempts made, the most this policy allows"


def test_one_attempt_means_never_retry() -> None:
    assert plan(RetryPolicy(max_attempts=1), BACKOFF, attempts=1).give_up is not None


@pytest.mark.parametrize("remaining", [0.0, -0.5])
def test_plan_gives_up_once_the_deadline_has_passed(remaining: float) -> None:
    give_up = plan(RetryPolicy(deadline=30.0), BACKOFF, remaining=remaining).give_up
    assert give_up == "the 30 s deadline has passed"


@pytest.mark.parametrize("wait", [10.0, 25.0])
def test_a_server_wait_that_does_not_fit_gives_up_at_once(wait: float) -> None:
    give_up = plan(RetryPolicy(deadline=120.0), server_wait(wait), remaining=10.0).give_up
    assert give_up == (
        f"the server asked to wait {wait:g} s (Retry-After), but only 10 s of the 120 s "
        "deadline remain"
    )


def test_the_give_up_reason_names_the_wait_source() -> None:
    verdict = server_wait(90.0, WaitSource.RATE_LIMIT_RESET)
    give_up = plan(RetryPolicy(deadline=60.0), verdict, remaining=42.0).give_up
    assert give_up is not None
    assert "90 s" in give_up
    assert "(X-RateLimit-Reset)" in give_up
    assert "only 42 s of the 60 s deadline remain" in give_up


@pytest.mark.parametrize("seed", range(20))
def test_a_server_wait_is_used_verbatim(seed: int) -> None:
    result = plan(RetryPolicy(), server_wait(2.5), remaining=100.0, seed=seed)
    assert result == Plan(wait=2.5, source=WaitSource.RETRY_AFTER)


def test_a_server_wait_is_used_verbatim_without_a_deadline() -> None:
    result = plan(RetryPolicy(deadline=None), server_wait(3000.0), remaining=None)
    assert result == Plan(wait=3000.0, source=WaitSource.RETRY_AFTER)


def test_a_server_wait_on_a_backoff_verdict_is_used_verbatim() -> None:
    verdict = Verdict(
        action=Action.BACKOFF,
        reason="unavailable",
        rule="test-503",
        wait=7.0,
        wait_source=WaitSource.RETRY_AFTER_MS,
    )
    assert plan(RetryPolicy(), verdict) == Plan(wait=7.0, source=WaitSource.RETRY_AFTER_MS)


def test_a_rate_limit_without_a_server_wait_backs_off() -> None:
    verdict = Verdict(action=Action.WAIT_RETRY_AFTER, reason="rate limited", rule="test-429")
    result = plan(RetryPolicy(backoff_base=1.0), verdict)
    assert result.source is WaitSource.BACKOFF
    assert 0.0 <= result.wait <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    attempts=st.integers(min_value=1, max_value=99),
    remaining=st.one_of(st.none(), st.floats(min_value=1e-6, max_value=1e6)),
    base=st.floats(min_value=1e-3, max_value=10.0),
    cap=st.floats(min_value=1e-3, max_value=100.0),
    seed=st.integers(),
)
def test_backoff_waits_stay_within_the_ceiling_and_half_the_time_left(
    attempts: int, remaining: float | None, base: float, cap: float, seed: int
) -> None:
    policy = RetryPolicy(max_attempts=100, backoff_base=base, backoff_max=cap)
    result = plan(policy, BACKOFF, attempts=attempts, remaining=remaining, seed=seed)
    assert result.give_up is None
    assert result.source is WaitSource.BACKOFF
    assert 0.0 <= result.wait <= policy.backoff_ceiling(attempts)
    if remaining is not None:
        assert result.wait <= remaining / 2


def test_backoff_waits_are_jittered() -> None:
    policy = RetryPolicy(backoff_base=10.0, backoff_max=10.0)
    waits = {plan(policy, BACKOFF, seed=seed).wait for seed in range(10)}
    assert len(waits) == 10


def test_backoff_ceiling_doubles_then_caps() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=30.0)
    ceilings = [policy.backoff_ceiling(retry) for retry in range(1, 9)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize("retry", [0, -3])
def test_backoff_ceiling_before_the_first_retry_is_the_base(retry: int) -> None:
    assert RetryPolicy(backoff_base=0.5).backoff_ceiling(retry) == 0.5


def test_backoff_ceiling_of_a_huge_retry_number_is_the_cap() -> None:
    assert RetryPolicy(backoff_max=30.0).backoff_ceiling(10**6) == 30.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": -1}, "max_attempts"),
        ({"attempt_timeout": 0.0}, "attempt_timeout"),
        ({"attempt_timeout": -1.0}, "attempt_timeout"),
        ({"attempt_timeout": math.nan}, "attempt_timeout"),
        ({"connect_timeout": 0.0}, "connect_timeout"),
        ({"backoff_base": 0.0}, "backoff_base"),
        ({"backoff_max": -2.0}, "backoff_max"),
        ({"deadline": 0.0}, "deadline must be a positive number of seconds or None"),
        ({"deadline": -5.0}, "deadline must be a positive number of seconds or None"),
        ({"deadline": math.nan}, "deadline must be a positive number of seconds or None"),
    ],
    ids=repr,
)
def test_bad_policy_values_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**options)


def test_a_policy_without_a_deadline_is_allowed() -> None:
    assert RetryPolicy(deadline=None, max_attempts=1).deadline is None


# Retrier: real asyncio, tiny waits, no HTTP

FAST = RetryPolicy(max_attempts=5, deadline=10.0, backoff_base=0.01, backoff_max=0.01)


def new_state(deadline: float | None = 10.0) -> RetryState:
    now = time.monotonic()
    return RetryState(started_at=now, deadline_at=None if deadline is None else now + deadline)


class Attempts:
    """An attempt that fails with `verdict` `failures` times, then returns ``"done"``."""

    def __init__(self, verdict: Verdict, failures: int) -> None:
        self.verdict = verdict
        self.failures = failures
        self.started: list[float] = []

    async def __call__(self, state: RetryState) -> str:
        self.started.append(time.monotonic())
        state.attempts += 1
        if state.attempts <= self.failures:
            raise RetrySignal(self.verdict, state)
        return "done"


def retrier(
    policy: RetryPolicy, attempts: Attempts, plans: list[Plan] | None = None
) -> Retrier[RetryState, str]:
    def on_wait(signal: RetrySignal[RetryState]) -> None:
        if plans is not None:
            plans.append(signal.plan)

    # backoff picks its async loop by inspecting the callable: hand it a coroutine function.
    async def attempt(state: RetryState) -> str:
        return await attempts(state)

    return Retrier(policy, attempt, clock=time.monotonic, rng=random.Random(7), on_wait=on_wait)


@pytest.mark.anyio
async def test_retrier_retries_until_the_attempt_succeeds() -> None:
    attempts = Attempts(BACKOFF, failures=2)
    plans: list[Plan] = []
    state = new_state()
    assert await retrier(FAST, attempts, plans)(state) == "done"
    assert state.attempts == 3
    assert len(plans) == 2
    for planned in plans:
        assert planned.source is WaitSource.BACKOFF
        assert 0.0 <= planned.wait <= 0.01


@pytest.mark.anyio
async def test_retrier_returns_the_first_success_without_waiting() -> None:
    plans: list[Plan] = []
    state = new_state()
    assert await retrier(FAST, Attempts(BACKOFF, failures=0), plans)(state) == "done"
    assert (state.attempts, plans) == (1, [])


@pytest.mark.anyio
async def test_retrier_gives_up_at_max_attempts_with_the_reason() -> None:
    attempts = Attempts(BACKOFF, failures=100)
    plans: list[Plan] = []
    state = new_state()
    with pytest.raises(RetrySignal) as raised:
        await retrier(FAST, attempts, plans)(state)
    assert raised.value.plan.give_up == "5 attempts made, the most this policy allows"
    assert raised.value.verdict == BACKOFF
    assert raised.value.state is state
    assert state.attempts == 5
    assert len(plans) == 4


@pytest.mark.anyio
async def test_retrier_gives_up_at_once_on_a_final_verdict() -> None:
    plans: list[Plan] = []
    state = new_state()
    with pytest.raises(RetrySignal) as raised:
        await retrier(FAST, Attempts(PAYLOAD, failures=100), plans)(state)
    assert raised.value.plan.give_up == "FIX_PAYLOAD is not retried"
    assert (state.attempts, plans) == (1, [])


@pytest.mark.anyio
async def test_retrier_sleeps_a_server_wait_exactly() -> None:
    attempts = Attempts(server_wait(0.05), failures=1)
    plans: list[Plan] = []
    assert await retrier(FAST, attempts, plans)(new_state()) == "done"
    assert plans == [Plan(wait=0.05, source=WaitSource.RETRY_AFTER)]
    first, second = attempts.started
    assert second - first >= 0.05


@pytest.mark.anyio
async def test_retrier_gives_up_at_once_when_the_server_wait_passes_the_deadline() -> None:
    policy = RetryPolicy(max_attempts=5, deadline=0.5)
    attempts = Attempts(server_wait(30.0), failures=100)
    plans: list[Plan] = []
    state = new_state(deadline=0.5)
    with anyio.fail_after(5):
        with pytest.raises(RetrySignal) as raised:
            await retrier(policy, attempts, plans)(state)
    give_up = raised.value.plan.give_up
    assert give_up is not None
    assert give_up.startswith("the server asked to wait 30 s (Retry-After), but only ")
    assert give_up.endswith(" s of the 0.5 s deadline remain")
    assert (state.attempts, plans) == (1, [])


@pytest.mark.anyio
async def test_retrier_calls_on_wait_once_per_retry_before_it_sleeps() -> None:
    attempts = Attempts(server_wait(0.01), failures=3)
    seen: list[tuple[int, Plan]] = []

    def on_wait(signal: RetrySignal[RetryState]) -> None:
        seen.append((signal.state.attempts, signal.plan))

    async def attempt(state: RetryState) -> str:
        return await attempts(state)

    run = Retrier(FAST, attempt, clock=time.monotonic, rng=random.Random(0), on_wait=on_wait)
    assert await run(new_state()) == "done"
    assert [count for count, _ in seen] == [1, 2, 3]
    assert all(planned == Plan(wait=0.01, source=WaitSource.RETRY_AFTER) for _, planned in seen)


@pytest.mark.anyio
async def test_retrier_retries_any_callable_that_returns_an_awaitable() -> None:
    """The signature takes ``Callable[[S], Awaitable[R]]``: an object with an async __call__."""
    attempts = Attempts(BACKOFF, failures=2)
    run = Retrier(FAST, attempts, clock=time.monotonic, rng=random.Random(0))
    state = new_state()
    assert await run(state) == "done"
    assert state.attempts == 3


@pytest.mark.anyio
async def test_retrier_lets_other_exceptions_out_untouched() -> None:
    calls = 0

    async def attempt(state: RetryState) -> str:
        nonlocal calls
        calls += 1
        raise LookupError

    run = Retrier(FAST, attempt, clock=time.monotonic, rng=random.Random(0))
    with pytest.raises(LookupError):
        await run(new_state())
    assert calls == 1
