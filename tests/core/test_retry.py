"""The retrier running real attempts on asyncio: tiny waits, no HTTP.

The policy's plans themselves are pure and tested in ``tests/core/sansio/test_policy.py``.
"""

from __future__ import annotations

import random
import time

import anyio
import pytest

from shopbridge.core._retry import Retrier
from shopbridge.core.sansio._outcome import HttpResponse, RequestFacts
from shopbridge.core.sansio._policy import CallState, Plan, RetryPolicy
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


FAST = RetryPolicy(max_attempts=5, deadline=10.0, backoff_base=0.01, backoff_max=0.01)


def new_state(deadline: float | None = 10.0) -> CallState:
    now = time.monotonic()
    return CallState(
        facts=RequestFacts(method="PUT", idempotent=True),
        started_at=now,
        deadline_at=None if deadline is None else now + deadline,
    )


class Attempts:
    """An attempt that fails with `verdict` `failures` times, then returns ``"done"``."""

    def __init__(self, verdict: Verdict, failures: int) -> None:
        self.verdict = verdict
        self.failures = failures
        self.started: list[float] = []

    async def __call__(self, state: CallState) -> str | None:
        self.started.append(time.monotonic())
        state.attempts += 1
        if state.attempts <= self.failures:
            state.record(HttpResponse(status=self.verdict.status or 503), self.verdict)
            return None
        return "done"


def retrier(
    policy: RetryPolicy, attempts: Attempts, plans: list[Plan] | None = None
) -> Retrier[CallState, str]:
    def on_wait(state: CallState, planned: Plan) -> None:
        if plans is not None:
            plans.append(planned)

    async def attempt(state: CallState) -> str | None:
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
    assert await retrier(FAST, attempts, plans)(state) is None
    assert state.gave_up == "5 attempts made, the most this policy allows"
    assert state.verdict == BACKOFF
    assert state.attempts == 5
    assert len(plans) == 4


@pytest.mark.anyio
async def test_retrier_gives_up_at_once_on_a_final_verdict() -> None:
    plans: list[Plan] = []
    state = new_state()
    assert await retrier(FAST, Attempts(PAYLOAD, failures=100), plans)(state) is None
    assert state.gave_up == "FIX_PAYLOAD is not retried"
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
        assert await retrier(policy, attempts, plans)(state) is None
    give_up = state.gave_up
    assert give_up is not None
    assert give_up.startswith("the server asked to wait 30 s (Retry-After), but only ")
    assert give_up.endswith(" s of the 0.5 s deadline remain")
    assert (state.attempts, plans) == (1, [])


@pytest.mark.anyio
async def test_retrier_calls_on_wait_once_per_retry_before_it_sleeps() -> None:
    attempts = Attempts(server_wait(0.01), failures=3)
    seen: list[tuple[int, Plan]] = []

    def on_wait(state: CallState, planned: Plan) -> None:
        seen.append((state.attempts, planned))

    async def attempt(state: CallState) -> str | None:
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

    async def attempt(state: CallState) -> str:
        nonlocal calls
        calls += 1
        raise LookupError

    run = Retrier(FAST, attempt, clock=time.monotonic, rng=random.Random(0))
    with pytest.raises(LookupError):
        await run(new_state())
    assert calls == 1
