"""When to try a request again, and how long to wait first (pure).

`RetryPolicy` bounds a request by attempts *and* by a total deadline. Between attempts it waits
either exactly what the server asked for (never jittered shorter), or an exponential backoff
with full jitter. A server wait that cannot fit in the time left ends the request at once, with
a reason that says so, instead of sleeping into a certain failure.

`CallState` is everything one call has been through: its attempts, its start and deadline, the
last outcome and verdict, whether an earlier attempt may have been applied, and why the policy
gave up. The engine updates it after every attempt; the retry loop reads it and asks
`RetryPolicy.plan` (the one place a wait is decided) what to do next.

Nothing here reads a clock or a global random generator: `now` and `rng` are arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import define, evolve, field, frozen, validators

from shopbridge.core.sansio._outcome import Outcome, RequestFacts
from shopbridge.core.sansio._table import is_ambiguous
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource

if TYPE_CHECKING:
    import random

__all__ = ["CallState", "Plan", "RetryPolicy"]

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
            verdict: the verdict of the last attempt.
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
        # Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform over
        # [0, ceiling], drawn from the caller's generator so a seeded run repeats.
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
class CallState:
    """The state of one call across its attempts, in one place.

    Attributes:
        facts: what `decide()` knows of the request; its ``after_ambiguous`` turns true once an
            attempt ends ambiguously, and stays true.
        started_at: the monotonic time of the first attempt.
        deadline_at: the monotonic time of the deadline, or ``None``.
        attempts: attempts made so far.
        waited_out: attempts the server refused with a wait to honour (429 with
            ``Retry-After``): not failures, so they do not count against ``max_attempts``
            while a deadline bounds the call.
        last: the outcome of the last attempt, or ``None`` before the first.
        verdict: the verdict of the last attempt, or ``None`` before the first.
        gave_up: why the retry policy stopped, once it did.
    """

    facts: RequestFacts
    started_at: float
    deadline_at: float | None
    attempts: int = 0
    waited_out: int = 0
    last: Outcome | None = None
    verdict: Verdict | None = None
    gave_up: str | None = None

    @property
    def after_ambiguous(self) -> bool:
        """Whether an earlier attempt ended ambiguously: the server may have applied it."""
        return self.facts.after_ambiguous

    def remaining(self, now: float) -> float | None:
        """Seconds left before the deadline at monotonic time `now`."""
        return None if self.deadline_at is None else self.deadline_at - now

    def record(self, outcome: Outcome, verdict: Verdict) -> None:
        """Remember an attempt's outcome and verdict (decided with the facts before it)."""
        self.last = outcome
        self.verdict = verdict
        if verdict.action is Action.WAIT_RETRY_AFTER and verdict.wait is not None:
            self.waited_out += 1
        if not self.facts.after_ambiguous and is_ambiguous(outcome):
            self.facts = evolve(self.facts, after_ambiguous=True)

    def next_plan(self, policy: RetryPolicy, *, now: float, rng: random.Random) -> Plan:
        """Ask `policy` what to do after the last attempt; remember why, if it gives up."""
        if self.verdict is None:  # pragma: no cover - the loop plans only after an attempt
            msg = "no attempt was made yet"
            raise RuntimeError(msg)
        # A wait the server asked for is not a failed attempt: the deadline bounds those
        # (without one, they count, or a store paused for good would be retried forever).
        attempts = self.attempts
        if self.deadline_at is not None:
            attempts -= self.waited_out
        plan = policy.plan(
            attempts=attempts, remaining=self.remaining(now), verdict=self.verdict, rng=rng
        )
        self.gave_up = plan.give_up
        return plan
