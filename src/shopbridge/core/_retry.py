"""The retry loop: the attempts of one call, and the sleeps between them.

The only module that imports `backoff`. What to do after an attempt is not decided here: the
call's `CallState` holds its verdict, and the pure `RetryPolicy.plan` says whether to retry
and how long to wait. This module only runs that plan.

The first attempt runs bare: most requests succeed at once and need none of the retry
machinery (the engine makes it itself, and calls `Retrier.retry` only after it asked for
one). After one that asked for a retry, the first wait is slept here and
``backoff.on_predicate`` drives the attempts after it, with ``jitter=None`` and a wait
generator that yields each plan's wait verbatim (server waits stay exact; backoff waits were
jittered by the policy, once). The generator ends when the plan gives up, which is how
`backoff` is told to stop; ``call.gave_up`` says why.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Generic, TypeVar

import backoff

from shopbridge.core.sansio._policy import CallState

if TYPE_CHECKING:
    import random
    from collections.abc import Awaitable, Callable, Generator

    from shopbridge.core.sansio._policy import Plan, RetryPolicy

__all__ = ["Retrier"]

_R = TypeVar("_R")
_C = TypeVar("_C", bound=CallState)


def _unsettled(result: object) -> bool:
    return result is None


class Retrier(Generic[_C, _R]):
    """Runs the attempts of one call under a `RetryPolicy`, with `backoff` doing the waiting.

    An attempt returns its result when the call is settled, or ``None`` when its verdict
    (recorded in the call's state) may be retried; a final failure is the attempt's to raise.

    Args:
        policy: the retry policy.
        attempt: one attempt of the call.
        clock: a monotonic clock, for the deadline.
        rng: the source of backoff jitter.
        on_wait: told the plan before each wait (to log it).
    """

    def __init__(
        self,
        policy: RetryPolicy,
        attempt: Callable[[_C], Awaitable[_R | None]],
        *,
        clock: Callable[[], float],
        rng: random.Random,
        on_wait: Callable[[_C, Plan], None] | None = None,
    ) -> None:
        self.policy = policy
        self._attempt = attempt
        self._clock = clock
        self._rng = rng
        self._on_wait = on_wait

        # backoff picks its asyncio loop only for a coroutine *function*: give it one, whatever
        # kind of callable `attempt` is (an object with an async __call__, a partial, a lambda).
        async def run(call: _C) -> _R | None:
            return await attempt(call)

        self._run = run

    async def __call__(self, call: _C) -> _R | None:
        """Run the attempts of `call` until one settles it or the policy gives up.

        Returns:
            The settling attempt's result, or ``None`` when the policy gave up: then
            ``call.verdict`` is the last verdict and ``call.gave_up`` says why.
        """
        result = await self._attempt(call)
        if result is not None:
            return result
        return await self.retry(call)

    async def retry(self, call: _C) -> _R | None:
        """Go on with `call` after a first attempt that asked for a retry (made by the caller).

        What `__call__` does after its first attempt: a caller that makes the first attempt
        itself (the engine) saves a coroutine level on every suspension of every call, and
        enters the retry machinery only when it is needed.
        """
        wait = self._next_wait(call)
        if wait is None:
            return None
        await asyncio.sleep(wait)
        # Decorated per call, on the retry path only: the wait generator reads this call's state.
        retrying = backoff.on_predicate(
            self._waits, _unsettled, jitter=None, logger=None, call=call
        )(self._run)
        return await retrying(call)

    def _next_wait(self, call: _C) -> float | None:
        plan = call.next_plan(self.policy, now=self._clock(), rng=self._rng)
        if plan.give_up is not None:
            return None
        if self._on_wait is not None:
            self._on_wait(call, plan)
        return plan.wait

    def _waits(self, call: _C) -> Generator[float, object, None]:
        yield 0.0  # backoff primes the generator with send(None) and drops this value
        while (wait := self._next_wait(call)) is not None:
            yield wait
