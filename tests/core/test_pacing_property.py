"""A stateful property test: K simulated clients share one store's window, against the
sandbox's own Laravel limiter, on a clock the test holds.

The clients send when their pacer lets them; requests reach the server in any order, and their
answers come back in any order, or not at all (a lost answer). The shared pacer runs either the
in-process rules (`RateWindow`) or the Redis script: the same rules, moved. With the window's
length given, no request is ever refused; with it only assumed, only the probes that learn it
meet a 429.
"""

from __future__ import annotations

import os
import random
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from shopbridge._sandbox.ratelimit import FixedWindowLimiter, RateLimit
from shopbridge.core._pacing import PaceScope
from shopbridge.core._pacing_redis import RedisPacing, script_text
from shopbridge.core.sansio._waits import RateLimitState
from shopbridge.core.sansio._window import RateWindow, Ticket

if TYPE_CHECKING:
    import redis

    from shopbridge._sandbox.ratelimit import RateLimitDecision

LIMIT = 5
WINDOW = 1.0
CLIENTS = 3
IN_FLIGHT = 3  # per client


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LocalShared:
    """The in-process rules, one state for every client."""

    def __init__(self, *, assumed: bool) -> None:
        self.rate = RateWindow(window=60.0 if assumed else WINDOW, assumed=assumed)

    def take(self, now: float) -> Any:
        if self.rate.first_answer_pending or self.rate.blocked_until(now) is not None:
            return None
        return self.rate.take(started=now, now=now)

    def release(self, ticket: Any, state: RateLimitState | None, now: float) -> None:
        self.rate.release(ticket, state, now=now)

    def pause(self, seconds: float, now: float, sent_at: float) -> None:
        self.rate.pause(seconds, now=now, sent_at=sent_at)


class RedisShared:
    """The Redis script, one state for every client, on the test's clock."""

    def __init__(self, client: redis.Redis, namespace: str, *, assumed: bool) -> None:
        scope = PaceScope(api="prop", base_url="http://x", key="s", window=WINDOW)
        self._keys = RedisPacing("redis://x", namespace=namespace).keys(scope)
        self._script = client.register_script(script_text())
        self._config = ["0", repr(60.0 if assumed else WINDOW), "1" if assumed else "0"]

    def _run(self, op: str, now: float, *args: str) -> list[str]:
        reply = self._script(keys=list(self._keys), args=[op, repr(now), *self._config, *args])
        return [part.decode() if isinstance(part, bytes) else str(part) for part in reply]

    def take(self, now: float) -> Any:
        reply = self._run("acquire", now, "30", "0.01")
        if reply[0] != "go":
            return None
        return (int(reply[1]), float(reply[2]), reply[5], reply[6])

    def release(self, ticket: Any, state: RateLimitState | None, now: float) -> None:
        seq, sent_at, generation, ahead = ticket
        limit = remaining = ""
        if state is not None:
            limit, remaining = str(state.limit), str(state.remaining)
        self._run("release", now, str(seq), repr(sent_at), generation, limit, remaining, "", ahead)

    def pause(self, seconds: float, now: float, sent_at: float) -> None:
        self._run("pause", now, repr(seconds), repr(sent_at))


def sent_at(ticket: Any) -> float:
    return ticket.sent_at if isinstance(ticket, Ticket) else float(ticket[1])


class SharedWindow(RuleBasedStateMachine):
    """K clients, one shared pacer, the sandbox's limiter as the server."""

    make_pacer: Any = None
    assumed = False

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.server = FixedWindowLimiter(
            RateLimit(limit=LIMIT, window=WINDOW), clock=self.clock, wallclock=self.clock
        )
        self.pacer = type(self).make_pacer(assumed=self.assumed)
        self.out: list[list[Any]] = [[] for _ in range(CLIENTS)]  # sent, not at the server
        self.back: list[tuple[Any, RateLimitDecision]] = []  # counted, answer on the way
        self.refused = 0
        self.done = 0
        self.heard = False  # an answer with the limit came back

    @rule(client=st.integers(0, CLIENTS - 1))
    def send(self, client: int) -> None:
        if len(self.out[client]) >= IN_FLIGHT:
            return
        ticket = self.pacer.take(self.clock.now)
        if ticket is not None:
            self.out[client].append(ticket)

    @precondition(lambda self: any(self.out))
    @rule(data=st.data())
    def arrive(self, data: st.DataObject) -> None:
        waiting = [client for client in range(CLIENTS) if self.out[client]]
        client = data.draw(st.sampled_from(waiting))
        index = data.draw(st.integers(0, len(self.out[client]) - 1))
        ticket = self.out[client].pop(index)
        self.back.append((ticket, self.server.hit("store")))

    @precondition(lambda self: self.back)
    @rule(data=st.data(), lost=st.booleans())
    def answer(self, data: st.DataObject, lost: bool) -> None:
        ticket, decision = self.back.pop(data.draw(st.integers(0, len(self.back) - 1)))
        now = self.clock.now
        # The connection dropped after the server counted it. Not before the limit is known:
        # a pacer that never heard it cannot pace (a lost first answer lets the others go,
        # as an answer without rate-limit headers does).
        if lost and decision.allowed and self.heard:
            self.pacer.release(ticket, None, now)
            self.done += 1
            return
        self.heard = True
        state = RateLimitState(limit=decision.limit, remaining=decision.remaining)
        self.pacer.release(ticket, state, now)
        if decision.allowed:
            self.done += 1
        else:
            self.refused += 1
            assert decision.retry_after is not None
            self.pacer.pause(float(decision.retry_after), now, sent_at(ticket))

    @rule(seconds=st.floats(0.001, 0.6))
    def tick(self, seconds: float) -> None:
        self.clock.now += seconds

    @invariant()
    def never_refused_beyond_learning(self) -> None:
        assert self.refused <= (3 if self.assumed else 0)


SETTINGS = settings(
    max_examples=int(os.environ.get("SHOPBRIDGE_PROPERTY_EXAMPLES", "60")),
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # No example database: the machines of each parametrization would replay each other's.
    database=None,
)


@pytest.mark.parametrize("assumed", [False, True], ids=["given", "assumed"])
def test_clients_sharing_the_in_process_window_are_never_refused(assumed: bool) -> None:
    machine: Any = type(
        f"LocalWindow{'Assumed' if assumed else 'Given'}",
        (SharedWindow,),
        {"make_pacer": staticmethod(LocalShared), "assumed": assumed},
    )
    machine.TestCase.settings = SETTINGS
    machine.TestCase().runTest()


@pytest.mark.slow
@pytest.mark.parametrize("assumed", [False, True], ids=["given", "assumed"])
def test_clients_sharing_the_redis_window_are_never_refused(
    assumed: bool, redis_url: str, namespace: str
) -> None:
    import redis as redis_py  # noqa: PLC0415 - only this test needs the client

    client = redis_py.Redis.from_url(redis_url)
    counter = iter(range(10**9))

    def make(*, assumed: bool) -> RedisShared:
        # A fresh state for every example: an example replayed must meet the same store.
        return RedisShared(client, f"{namespace}-{next(counter)}", assumed=assumed)

    machine: Any = type(
        f"RedisWindow{'Assumed' if assumed else 'Given'}",
        (SharedWindow,),
        {"make_pacer": staticmethod(make), "assumed": assumed},
    )
    machine.TestCase.settings = settings(SETTINGS, max_examples=25)
    try:
        machine.TestCase().runTest()
    finally:
        client.close()


def schedule(pacer: Any, seed: int) -> list[tuple[Any, ...]]:
    """What `pacer` decides along one random schedule of sends, arrivals, answers and time."""
    rng = random.Random(seed)
    clock = Clock()
    server = FixedWindowLimiter(RateLimit(limit=LIMIT, window=WINDOW), clock=clock, wallclock=clock)
    out: list[Any] = []
    back: list[tuple[Any, RateLimitDecision]] = []
    decisions: list[tuple[Any, ...]] = []
    heard = False
    for _ in range(200):
        roll = rng.random()
        if roll < 0.35:
            if len(out) < CLIENTS * IN_FLIGHT:
                ticket = pacer.take(clock.now)
                decisions.append(("sent", ticket is not None))
                if ticket is not None:
                    out.append(ticket)
        elif roll < 0.6 and out:
            back.append((out.pop(rng.randrange(len(out))), server.hit("store")))
        elif roll < 0.85 and back:
            ticket, decision = back.pop(rng.randrange(len(back)))
            if rng.random() < 0.1 and decision.allowed and heard:
                pacer.release(ticket, None, clock.now)
                continue
            heard = True
            state = RateLimitState(limit=decision.limit, remaining=decision.remaining)
            pacer.release(ticket, state, clock.now)
            decisions.append(("answered", decision.allowed))
            if not decision.allowed:
                assert decision.retry_after is not None
                pacer.pause(float(decision.retry_after), clock.now, sent_at(ticket))
        else:
            clock.now += rng.uniform(0.001, 0.6)
    return decisions


@pytest.mark.slow
@pytest.mark.parametrize("assumed", [False, True], ids=["given", "assumed"])
def test_the_redis_script_decides_as_the_in_process_window(
    assumed: bool, redis_url: str, namespace: str
) -> None:
    """The rules moved, not rewritten: along the same schedule, the same permits and 429s."""
    import redis as redis_py  # noqa: PLC0415 - only the Redis tests need the client

    client = redis_py.Redis.from_url(redis_url)
    try:
        for seed in range(40):
            local = schedule(LocalShared(assumed=assumed), seed)
            shared = schedule(RedisShared(client, f"{namespace}-{seed}", assumed=assumed), seed)
            assert local == shared, f"seed {seed}"
    finally:
        client.close()
