"""When to try again, and how long to wait first. The only module that imports `backoff`.

`RetryPolicy` bounds a request by attempts *and* by a total deadline. Between attempts it waits
either exactly what the server asked for (never jittered shorter), or an exponential backoff
with full jitter. A server wait that cannot fit in the time left ends the request at once, with
a reason that says so, instead of sleeping into a certain failure.

`backoff` drives the loop with ``jitter=None``: the wait generator yields the planned wait
verbatim, so server waits stay exact and backoff waits are jittered here, once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Generic, TypeVar

import backoff
from attrs import define, field, frozen, validators

from shopbridge.core.sansio._verdict import Verdict, WaitSource

if TYPE_CHECKING:
    import random
    from collections.abc import Awaitable, Callable, Generator

__all__ = ["Plan", "Retrier", "RetryPolicy", "RetrySignal", "RetryState"]

_R = TypeVar("_R")
_S = TypeVar("_S", bound="RetryState")

_positive = validators.gt(0.0)


@frozen(kw_only=True)
class RetryPolicy:
    """How long and how often one request may be tried.

    Attributes:
        max_attempts: attempts in all, the first included (1 means never retry).
        deadline: seconds from the first attempt after which no new attempt starts and no wait
            begins that would end past it; ``None`` for no limit besides `max_attempts`.
        attempt_timeout: seconds one attempt may take, connection included (cut to the time
            left before the deadline).
        connect_timeout: seconds to establish a connection.
        backoff_base: the backoff ceiling of the first retry; it doubles with each retry.
        backoff_max: the largest backoff ceiling.
    """

    max_attempts: int = field(default=6, validator=validators.ge(1))
    deadline: float | None = 120.0
    attempt_timeout: float = field(default=30.0, validator=_positive)
    connect_timeout: float = field(default=10.0, validator=_positive)
    backoff_base: float = field(default=0.5, validator=_positive)
    backoff_max: float = field(default=30.0, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.deadline is not None and not self.deadline > 0:
            msg = f"deadline must be a positive number of seconds or None, got {self.deadline!r}"
            raise ValueError(msg)

    def backoff_ceiling(self, retry: int) -> float:
        """The upper bound of the full-jitter wait before retry number `retry` (1-based)."""
        exponent = min(max(retry - 1, 0), 62)  # 2**62 already dwarfs any backoff_max
        return min(self.backoff_max, self.backoff_base * 2.0**exponent)

    def plan(
        self,
        *,
        attempts: int,
        remaining: float | None,
        verdict: Verdict,
        rng: random.Random,
    ) -> Plan:
        """Decide whether to retry after `attempts` attempts, and how long to wait first.

        Pure apart from drawing the jitter from `rng`.

        Args:
            attempts: attempts made so far.
            remaining: seconds left before the deadline (``None`` without a deadline).
            verdict: the verdict of the last attempt (it must be retryable).
            rng: the source of jitter.
        """
        if not verdict.retryable:
            return Plan(give_up=f"{verdict.action.name} is not retried")
        if attempts >= self.max_attempts:
            return Plan(give_up=f"{attempts} attempts made, the most this policy allows")
        deadline = "the" if self.deadline is None else f"the {self.deadline:g} s"
        if remaining is not None and remaining <= 0:
            return Plan(give_up=f"{deadline} deadline has passed")
        if verdict.wait is not None and verdict.wait_source is not None:
            if remaining is not None and verdict.wait >= remaining:
                return Plan(
                    give_up=f"the server asked to wait {verdict.wait:.3g} s "
                    f"({verdict.wait_source.value}), but only {remaining:.3g} s of "
                    f"{deadline} deadline remain"
                )
            return Plan(wait=verdict.wait, source=verdict.wait_source)
        wait = rng.uniform(0.0, self.backoff_ceiling(attempts))
        if remaining is not None:
            # Leave the next attempt at least as much time as the wait took.
            wait = min(wait, remaining / 2)
        return Plan(wait=wait, source=WaitSource.BACKOFF)


@frozen(kw_only=True)
class Plan:
    """What `RetryPolicy.plan` decided: wait, then retry; or give up, and why."""

    wait: float = 0.0
    source: WaitSource | None = None
    give_up: str | None = None


@define(kw_only=True)
class RetryState:
    """The mutable state of one request across its attempts.

    Attributes:
        started_at: the monotonic time of the first attempt.
        deadline_at: the monotonic time of the deadline, or ``None``.
        attempts: attempts made so far.
    """

    started_at: float
    deadline_at: float | None
    attempts: int = 0

    def remaining(self, now: float) -> float | None:
        """Seconds left before the deadline at monotonic time `now`."""
        return None if self.deadline_at is None else self.deadline_at - now


class RetrySignal(Exception, Generic[_S]):  # noqa: N818 - a signal between attempts, not an error
    """Raised by an attempt whose verdict allows a retry; carries what the next step needs.

    Attributes:
        verdict: the attempt's verdict.
        state: the request's retry state.
        plan: filled in by the `Retrier` before it waits or gives up.
    """

    def __init__(self, verdict: Verdict, state: _S) -> None:
        super().__init__(verdict.rule)
        self.verdict = verdict
        self.state = state
        self.plan = Plan()


class Retrier(Generic[_S, _R]):
    """Runs an attempt coroutine under a `RetryPolicy`, with `backoff` doing the waiting.

    The attempt raises `RetrySignal` when its verdict allows a retry; the retrier asks the
    policy for a plan and either sleeps the planned wait and calls the attempt again, or lets
    the signal out with ``plan.give_up`` saying why.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        attempt: Callable[[_S], Awaitable[_R]],
        *,
        clock: Callable[[], float],
        rng: random.Random,
        on_wait: Callable[[RetrySignal[_S]], None] | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._rng = rng
        self._on_wait = on_wait
        decorate = backoff.on_exception(
            self._waits,
            RetrySignal,
            jitter=None,
            giveup=self._give_up,
            logger=None,
        )

        # backoff picks its asyncio loop only for a coroutine *function*: give it one, whatever
        # kind of callable `attempt` is (an object with an async __call__, a partial, a lambda).
        async def run(state: _S) -> _R:
            return await attempt(state)

        self._first = attempt
        self._run: Callable[[_S], Awaitable[_R]] = decorate(run)

    async def __call__(self, state: _S) -> _R:
        """Run the attempts for one request.

        The first attempt runs bare: most requests succeed at once and need none of the retry
        machinery. When it asks for a retry, the first wait is slept here and `backoff`
        drives every attempt after it.
        """
        try:
            return await self._first(state)
        except RetrySignal as signal:
            if self._give_up(signal):
                raise
            wait = signal.plan.wait
        await asyncio.sleep(wait)
        return await self._run(state)

    def _give_up(self, exc: Exception) -> bool:
        if not isinstance(exc, RetrySignal):  # pragma: no cover - backoff only sends ours
            return True
        state = exc.state
        exc.plan = self.policy.plan(
            attempts=state.attempts,
            remaining=state.remaining(self._clock()),
            verdict=exc.verdict,
            rng=self._rng,
        )
        if exc.plan.give_up is not None:
            return True
        if self._on_wait is not None:
            self._on_wait(exc)
        return False

    @staticmethod
    def _waits() -> Generator[float, Exception | None, None]:
        signal = yield 0.0  # backoff primes the generator with send(None)
        while True:
            wait = signal.plan.wait if isinstance(signal, RetrySignal) else 0.0
            signal = yield wait
