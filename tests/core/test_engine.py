"""`Engine.send()` on the toy dialect: waits, backoff, giving up, resending, counters, redaction.

What tests/kanal/test_resilience.py checks through Kanal, checked here on the core alone: the
toy's table is four rows of its own above the core's generic ones, its server is the sandbox
kit with seeded faults (`seed_for` picks the seed that plays the wanted fates in order).
"""

from __future__ import annotations

import logging
import pickle
import re
import time
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from shopbridge.core._errors import (
    CredentialsRejectedError,
    RateLimitedError,
    RequestError,
    RequestFailedError,
    TransientError,
)
from shopbridge.core.sansio._outcome import FailureKind
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._verdict import Action, WaitSource
from tests.core.toy import API_KEY, FAST, AsyncToy
from tests.core.toy_sandbox import seed_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.core.toy_sandbox import ToySandbox

pytestmark = pytest.mark.anyio

ITEM = {"name": "lamp"}


def client(sandbox: ToySandbox, *, retry: RetryPolicy = FAST, key: str = API_KEY) -> AsyncToy:
    return AsyncToy(key, "north", base_url=sandbox.base_url, retry=retry)


def play(sandbox: ToySandbox, spec: str, *fates: str) -> None:
    """Make the next requests meet `fates` in order."""
    sandbox.set_faults(spec, seed=seed_for(spec, *fates))


def waits(caplog: pytest.LogCaptureFixture) -> list[tuple[str, float]]:
    """The waits the engine logged before its retries: (source, seconds)."""
    return [
        (record.wait_source, record.wait)  # type: ignore[attr-defined]
        for record in caplog.records
        if record.name == "shopbridge" and hasattr(record, "wait_source")
    ]


async def eventually(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait until `condition()` holds: the counters it reads have no event to wait on."""
    with anyio.fail_after(within):
        while not condition():  # noqa: ASYNC110 - polling state that has no event
            await anyio.sleep(0.005)


# -- 429: wait exactly what the server says -------------------------------------------------------


async def test_a_429_is_waited_for_exactly_its_retry_after_then_succeeds(
    toy_sandbox: ToySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shopbridge")
    play(toy_sandbox, "throttle=0.5:1", "throttle", "ok")
    async with client(toy_sandbox) as toy:
        reply = await toy.items.put("A", ITEM)
    assert (reply.status, reply.attempts, reply.verdict.rule) == (201, 2, "toy-201")
    assert waits(caplog) == [("Retry-After", 1.0)]  # verbatim: never jittered shorter
    assert (toy.counters.rate_limited, dict(toy.counters.rules)) == (
        1,
        {"http-429": 1, "toy-201": 1},
    )
    assert dict(toy_sandbox.stats.faults) == {"throttle": 1}


async def test_one_429_pauses_every_task_of_the_shop(toy_sandbox: ToySandbox) -> None:
    async with client(toy_sandbox) as toy:
        await toy.items.put(
            "warm-up", ITEM
        )  # answered: the shop's tasks no longer go one at a time
        toy_sandbox.set_faults("throttle=1:2")
        statuses: dict[str, int] = {}

        async def put(item_id: str) -> None:
            statuses[item_id] = (await toy.items.put(item_id, ITEM)).status

        def paused() -> bool:
            return toy.limiter.blocked_until(time.monotonic()) is not None

        checks = 0
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(put, "first")
            await eventually(paused)  # the 429 is in: the whole shop waits from now on
            toy_sandbox.set_faults("none")
            paused_at = toy_sandbox.stats.requests
            for number in range(4):
                tasks.start_soon(put, f"other-{number}")
            while True:
                # Counted first, then asked: a shop still paused now was paused at the count.
                sent = toy_sandbox.stats.requests
                if not paused():
                    break
                assert sent == paused_at
                checks += 1
                await anyio.sleep(0.02)
    assert checks > 0
    # The others queued in the limiter behind the first to sleep there, not at the server.
    assert toy.limiter.waits >= 1
    assert statuses == dict.fromkeys(["first", "other-0", "other-1", "other-2", "other-3"], 201)
    assert toy_sandbox.stats.requests == 1 + 2 + 4  # nothing but the first met the 429
    assert dict(toy_sandbox.stats.faults) == {"throttle": 1}


# -- 5xx: back off, then succeed, or give up saying why -------------------------------------------


async def test_503s_are_backed_off_with_jitter_then_succeed(
    toy_sandbox: ToySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shopbridge")
    play(toy_sandbox, "503=0.5", "503", "503", "ok")
    async with client(toy_sandbox) as toy:
        reply = await toy.items.put("A", ITEM)
    assert (reply.status, reply.attempts) == (201, 3)  # a 503 applied nothing
    logged = waits(caplog)
    assert [source for source, _ in logged] == ["backoff", "backoff"]
    # Full jitter under the ceiling of each retry: base, then twice the base.
    assert all(
        0 <= wait <= FAST.backoff_ceiling(retry) for retry, (_, wait) in enumerate(logged, 1)
    )
    assert toy_sandbox.writes("north", "items", "A") == 1


async def test_attempts_exhausted_raise_the_typed_error_with_attempts_and_gave_up(
    toy_sandbox: ToySandbox,
) -> None:
    policy = RetryPolicy(max_attempts=3, deadline=10, backoff_base=0.01, backoff_max=0.02)
    toy_sandbox.set_faults("503=1")
    async with client(toy_sandbox, retry=policy) as toy:
        with pytest.raises(TransientError) as caught:
            await toy.items.put("A", ITEM)
    error = caught.value
    assert (error.retryable, error.attempts, error.status) == (True, 3, 503)
    assert (error.action, error.verdict.rule) == (Action.BACKOFF, "http-503")
    assert error.gave_up == "3 attempts made, the most this policy allows"
    assert "gave up: 3 attempts made" in str(error)
    assert toy_sandbox.stats.requests == 3
    assert toy_sandbox.records("north", "items") == {}


# -- a server wait longer than the deadline: give up at once --------------------------------------


async def test_a_retry_after_beyond_the_deadline_gives_up_at_once_saying_so(
    toy_sandbox: ToySandbox,
) -> None:
    policy = RetryPolicy(deadline=3, attempt_timeout=2, backoff_base=0.01)
    toy_sandbox.set_faults("throttle=1:30")
    async with client(toy_sandbox, retry=policy) as toy:
        with pytest.raises(RateLimitedError) as first:
            await toy.items.put("A", ITEM)
        # The shop stays paused for the 30 s: the next call is refused before it is sent.
        with pytest.raises(RateLimitedError) as second:
            await toy.items.put("B", ITEM)
    error = first.value
    assert error.gave_up is not None
    assert re.fullmatch(
        r"the server asked to wait 30 s \(Retry-After\), but only [0-9.]+ s of the 3 s "
        r"deadline remain",
        error.gave_up,
    )
    assert (error.retryable, error.attempts, error.status) == (True, 1, 429)
    assert (error.verdict.wait, error.verdict.wait_source) == (30.0, WaitSource.RETRY_AFTER)
    assert f"gave up: {error.gave_up}" in str(error)
    refused = second.value
    assert (refused.verdict.rule, refused.verdict.wait_source, refused.attempts) == (
        "pacing",
        WaitSource.PACING,
        0,
    )
    assert refused.gave_up is not None
    assert refused.gave_up.endswith("past the deadline")
    assert toy_sandbox.stats.requests == 1


# -- ambiguous failures: resent when idempotent, never otherwise ----------------------------------


@pytest.mark.parametrize(
    ("method", "fault", "first_rule", "resent", "items_held"),
    [
        pytest.param("PUT", "drop_after", "net-disconnected-idempotent", True, 1, id="put-after"),
        pytest.param("PUT", "drop_before", "net-disconnected-idempotent", True, 1, id="put-before"),
        pytest.param("PUT", "500", "http-5xx-ambiguous-idempotent", True, 1, id="put-500"),
        pytest.param("POST", "drop_after", "net-disconnected", False, 1, id="post-after"),
        # The client cannot tell a drop before the write from one after it: not resent either.
        pytest.param("POST", "drop_before", "net-disconnected", False, 0, id="post-before"),
        pytest.param("POST", "500", "http-5xx-ambiguous", False, 0, id="post-500"),
        # A 503 says nothing was applied: even a create is resent.
        pytest.param("POST", "503", "http-503", True, 1, id="post-503"),
    ],
)
async def test_an_ambiguous_failure_is_resent_only_when_the_request_is_idempotent(
    toy_sandbox: ToySandbox,
    *,
    method: str,
    fault: str,
    first_rule: str,
    resent: bool,
    items_held: int,
) -> None:
    play(toy_sandbox, f"{fault}=0.5", fault, "ok")
    async with client(toy_sandbox) as toy:
        send = toy.items.put("A", ITEM) if method == "PUT" else toy.items.create(ITEM)
        if resent:
            reply = await send
            assert reply.attempts == 2
            assert reply.after_ambiguous is (fault in ("drop_after", "drop_before", "500"))
        else:
            with pytest.raises(RequestFailedError) as caught:
                await send
            error = caught.value
            assert (error.attempts, error.retryable) == (1, False)
            assert error.verdict.rule == first_rule
    assert toy.counters.rules[first_rule] == 1
    assert toy_sandbox.stats.requests == (2 if resent else 1)
    assert len(toy_sandbox.records("north", "items")) == items_held


async def test_a_put_whose_answer_was_lost_after_the_write_is_written_twice_into_one_item(
    toy_sandbox: ToySandbox,
) -> None:
    play(toy_sandbox, "drop_after=0.5", "drop_after", "ok")
    async with client(toy_sandbox) as toy:
        reply = await toy.items.put("A", ITEM)
    assert (reply.status, reply.verdict.rule, reply.after_ambiguous) == (200, "toy-200", True)
    assert list(toy_sandbox.records("north", "items")) == ["A"]
    assert toy_sandbox.writes("north", "items", "A") == 2


async def test_a_create_whose_answer_was_lost_fails_with_the_failure_and_is_held_once(
    toy_sandbox: ToySandbox,
) -> None:
    play(toy_sandbox, "drop_after=0.5", "drop_after", "ok")
    async with client(toy_sandbox) as toy:
        with pytest.raises(RequestFailedError) as caught:
            await toy.items.create(ITEM)
    error = caught.value
    assert (error.failure, error.status, error.action) == (
        FailureKind.DISCONNECTED,
        None,
        Action.FAIL,
    )
    assert "may have applied it" in error.reason
    assert list(toy_sandbox.records("north", "items")) == ["auto-1"]  # applied; never twice


@pytest.mark.parametrize(
    ("method", "resent", "rule"),
    [("PUT", True, "net-read-timeout-idempotent"), ("POST", False, "net-read-timeout")],
)
async def test_a_read_timeout_is_resent_only_when_the_request_is_idempotent(
    toy_sandbox: ToySandbox, method: str, resent: bool, rule: str
) -> None:
    policy = RetryPolicy(deadline=10, attempt_timeout=1, backoff_base=0.01, backoff_max=0.02)
    play(toy_sandbox, "slow=0.5:2", "slow", "ok")
    async with client(toy_sandbox, retry=policy) as toy:
        send = toy.items.put("A", ITEM) if method == "PUT" else toy.items.create(ITEM)
        if resent:
            assert (await send).attempts == 2
            # The slow first attempt is still applied server-side, later: on the same item.
            await eventually(lambda: toy_sandbox.writes("north", "items", "A") == 2)
        else:
            with pytest.raises(RequestFailedError) as caught:
                await send
            assert caught.value.failure is FailureKind.READ_TIMEOUT
    assert toy.counters.rules[rule] == 1
    assert toy_sandbox.stats.requests == (2 if resent else 1)


# -- counters -------------------------------------------------------------------------------------


async def test_the_counters_count_calls_attempts_and_the_rules_that_fired(
    toy_sandbox: ToySandbox,
) -> None:
    play(toy_sandbox, "503=0.5", "ok", "503", "ok", "ok")
    async with client(toy_sandbox) as toy:
        await toy.items.put("A", ITEM)
        await toy.items.put("B", ITEM)  # a 503, then created
        before = toy.counters.snapshot()
        with pytest.raises(RequestError):
            await toy.items.put("C", {"name": 7})  # refused: 422
    counters = toy.counters
    assert (counters.calls, counters.attempts, counters.retries, counters.rate_limited) == (
        3,
        4,
        1,
        0,
    )
    assert dict(counters.rules) == {"toy-201": 2, "http-503": 1, "toy-422": 1}
    last = counters.since(before)
    assert (last.calls, last.attempts, dict(last.rules)) == (1, 1, {"toy-422": 1})
    assert before.calls == 2  # a snapshot does not move with the counters


# -- secrets --------------------------------------------------------------------------------------


async def test_an_error_never_carries_the_api_key_even_when_the_server_echoes_it(
    toy_sandbox: ToySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="shopbridge")
    wrong = "toy-wrong-key-8d2e77"
    async with client(toy_sandbox, key=wrong) as toy:
        with pytest.raises(CredentialsRejectedError) as caught:
            await toy.items.put("A", ITEM)
    error = caught.value
    assert error.error is not None
    assert error.error.message == "the key '***' is not valid"  # the server echoed it
    shown: list[Any] = [str(error), repr(error), error.args, repr(toy), repr(toy._engine.transport)]
    assert not [text for text in shown if wrong in str(text)]
    assert wrong not in caplog.text
    assert (error.status, error.verdict.rule, error.retryable) == (401, "toy-401", False)


async def test_an_error_pickles_whole_and_without_the_api_key(toy_sandbox: ToySandbox) -> None:
    wrong = "toy-wrong-key-8d2e77"
    async with client(toy_sandbox, key=wrong) as toy:
        with pytest.raises(CredentialsRejectedError) as caught:
            await toy.items.put("A", ITEM)
    error = caught.value
    data = pickle.dumps(error)
    copy = pickle.loads(data)  # noqa: S301 - our own error, just pickled
    assert wrong.encode() not in data
    assert (type(copy), str(copy), copy.verdict, copy.attempts) == (
        CredentialsRejectedError,
        str(error),
        error.verdict,
        1,
    )
