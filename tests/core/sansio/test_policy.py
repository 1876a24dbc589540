"""The retry policy's plans (pure) and the state of one call across its attempts."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.core.sansio._outcome import (
    FailureKind,
    HttpResponse,
    RequestFacts,
    TransportFailure,
)
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


# CallState

FACTS = RequestFacts(method="POST", idempotent=False, create=True)


def test_a_call_has_no_deadline_time_when_its_policy_has_none() -> None:
    state = CallState(facts=FACTS, started_at=5.0, deadline_at=None)
    assert state.remaining(1e9) is None


def test_a_call_counts_the_time_left_from_its_deadline() -> None:
    state = CallState(facts=FACTS, started_at=5.0, deadline_at=15.0)
    assert state.remaining(12.0) == 3.0


@pytest.mark.parametrize(
    "outcome",
    [
        HttpResponse(status=500),
        HttpResponse(status=502),
        HttpResponse(status=504),
        TransportFailure(kind=FailureKind.READ_TIMEOUT),
        TransportFailure(kind=FailureKind.DISCONNECTED),
    ],
)
def test_an_ambiguous_outcome_marks_every_later_attempt(
    outcome: HttpResponse | TransportFailure,
) -> None:
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=None)
    state.record(outcome, BACKOFF)
    assert state.after_ambiguous
    assert state.facts.after_ambiguous
    state.record(HttpResponse(status=503), BACKOFF)
    assert state.after_ambiguous
    assert (state.last, state.verdict) == (HttpResponse(status=503), BACKOFF)


@pytest.mark.parametrize(
    "outcome",
    [
        HttpResponse(status=503),
        HttpResponse(status=429),
        HttpResponse(status=201),
        TransportFailure(kind=FailureKind.CONNECT),
        TransportFailure(kind=FailureKind.CONNECT_TIMEOUT),
    ],
)
def test_an_outcome_the_server_did_not_apply_leaves_the_call_unambiguous(
    outcome: HttpResponse | TransportFailure,
) -> None:
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=None)
    state.record(outcome, BACKOFF)
    assert not state.after_ambiguous


def test_next_plan_remembers_why_the_policy_gave_up() -> None:
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=10.0, attempts=3)
    state.record(HttpResponse(status=503), BACKOFF)
    planned = state.next_plan(RetryPolicy(max_attempts=3), now=1.0, rng=random.Random(0))
    assert planned.give_up == "3 attempts made, the most this policy allows"
    assert state.gave_up == planned.give_up


def test_next_plan_reads_the_time_left_at_now() -> None:
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=10.0, attempts=1)
    state.record(HttpResponse(status=429), server_wait(5.0))
    assert state.next_plan(RetryPolicy(), now=1.0, rng=random.Random(0)) == Plan(
        wait=5.0, source=WaitSource.RETRY_AFTER
    )
    assert state.next_plan(RetryPolicy(), now=6.0, rng=random.Random(0)).give_up is not None


def attempt_429s(state: CallState, count: int) -> None:
    for _ in range(count):
        state.attempts += 1
        state.record(HttpResponse(status=429), server_wait(1.0))


def test_waiting_out_a_429_is_not_a_failed_attempt_while_the_deadline_allows() -> None:
    """Two pushes on one store: 429s must not exhaust max_attempts with 110 s of 120 left."""
    policy = RetryPolicy(max_attempts=6, deadline=120.0)
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=120.0)
    attempt_429s(state, 8)
    plan = state.next_plan(policy, now=10.0, rng=random.Random(0))
    assert plan.give_up is None
    assert (plan.wait, plan.source) == (1.0, WaitSource.RETRY_AFTER)
    assert state.waited_out == 8


def test_the_deadline_still_bounds_the_429s_waited_out() -> None:
    policy = RetryPolicy(max_attempts=6, deadline=120.0)
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=120.0)
    attempt_429s(state, 8)
    plan = state.next_plan(policy, now=119.5, rng=random.Random(0))
    assert plan.give_up is not None
    assert "deadline" in plan.give_up


def test_failures_beside_429s_still_count_against_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, deadline=120.0)
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=120.0)
    attempt_429s(state, 4)
    for _ in range(3):
        state.attempts += 1
        state.record(HttpResponse(status=503), BACKOFF)
    plan = state.next_plan(policy, now=10.0, rng=random.Random(0))
    assert plan.give_up == "3 attempts made, the most this policy allows"


def test_without_a_deadline_429s_count_as_attempts() -> None:
    policy = RetryPolicy(max_attempts=6, deadline=None)
    state = CallState(facts=FACTS, started_at=0.0, deadline_at=None)
    attempt_429s(state, 6)
    plan = state.next_plan(policy, now=10.0, rng=random.Random(0))
    assert plan.give_up is not None
