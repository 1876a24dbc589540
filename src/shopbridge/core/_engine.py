"""`Engine.send()`: pace → transport → decide → act, for one request, until it is settled.

The engine knows HTTP and nothing of Kanal or Karla: a dialect hands it a `Request`, its
decision table and its error-body parser, and gets back a `Reply` (the request succeeded) or a
typed `RequestError` (it did not, and the policy will not try again).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import orjson
from attrs import define, evolve

from shopbridge.core._attempts import AttemptEvent, AttemptHook, CallObserver, Next, external_id_of
from shopbridge.core._bodies import decode_json, encode_json
from shopbridge.core._errors import (
    RequestError,
    ValidationError,
    error_class_for,
)
from shopbridge.core._pacing import Limiter, Pacer, PacingTimeoutError
from shopbridge.core._requests import EngineCounters, Reply, Request, request_id_of
from shopbridge.core._retry import Retrier
from shopbridge.core._transport import RawResponse, Transport, TransportError
from shopbridge.core.sansio._outcome import (
    ErrorBody,
    FailureKind,
    HttpResponse,
    Outcome,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._policy import CallState, Plan, RetryPolicy
from shopbridge.core.sansio._redaction import Redactor
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource
from shopbridge.core.sansio._waits import parse_rate_limit

if TYPE_CHECKING:
    from shopbridge.core.sansio._table import DecisionTable
    from shopbridge.core.sansio._window import Ticket

__all__ = ["RUN_COUNTERS", "Engine", "ErrorParser"]

logger = logging.getLogger("shopbridge")
# A library's logger: an application configures the output. Without this, a script that caught
# the error would still get give-ups printed by Python's last-resort handler, unformatted.
logger.addHandler(logging.NullHandler())

ErrorParser = Callable[[int, Any], "ErrorBody | None"]
"""A dialect's reader of error bodies: ``(status, decoded JSON or None) -> ErrorBody``."""

_PACING_LOG_THRESHOLD = 0.05
"""Pacing waits shorter than this (the first request of a store going alone) are not logged."""


_FACTS: dict[tuple[str, bool, bool], RequestFacts] = {}
"""The `RequestFacts` of first attempts, by method, idempotent and create."""
_FACTS_CACHE_SIZE = 64


RUN_COUNTERS: ContextVar[EngineCounters | None] = ContextVar("shopbridge_run", default=None)
"""The counters of the bulk run the current task works for, counted beside the engine's own.

Set by the bulk runner around its workers: two runs at once on one client each count their
own calls, not a share of the client's (which a snapshot of the engine's counters would give).
"""


@define(kw_only=True)
class _Call(CallState):
    """A call's `CallState`, plus what every attempt sends: the same bytes each time."""

    request: Request
    body: bytes | None
    headers: Mapping[str, str] | None
    run_counters: EngineCounters | None = None
    """The counters of the bulk run this call belongs to (`RUN_COUNTERS`), if any."""
    sent_at: float = 0.0
    """The monotonic time the last attempt was sent (for its latency)."""
    span: Any = None
    """The call observer's handle (an OpenTelemetry span), when one observes."""


class Engine:
    """Sends requests for one client: paces them, retries them, and classifies every answer.

    Args:
        transport: the HTTP transport.
        table: the dialect's decision table.
        parse_error: the dialect's error-body parser.
        policy: the retry policy.
        pacer: the per-store limiters.
        secrets: strings that must never appear in an error or a log line (the API key, the
            Basic token), in any of their forms (see `Redactor`).
        parse_success: the dialect's reader of a 2xx body whose words change its meaning
            (Kanal messaging's "Contact blocked by re-entry rule"), so that table rows can
            match its key; ``None`` (the default): 2xx bodies are not read for the table.
        clock: a monotonic clock, for deadlines and pacing.
        wallclock: the wall clock, for HTTP-date and epoch wait hints.
        rng: the source of backoff jitter.
        on_attempt: called with an `AttemptEvent` after each attempt (the client's hooks and
            its telemetry's, as one; see `shopbridge.core._attempts`).
        observer: told when each call starts and ends (OpenTelemetry's span per call).
    """

    def __init__(
        self,
        *,
        transport: Transport,
        table: DecisionTable,
        parse_error: ErrorParser,
        policy: RetryPolicy,
        pacer: Pacer,
        secrets: Sequence[str] = (),
        parse_success: ErrorParser | None = None,
        clock: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        on_attempt: AttemptHook | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.transport = transport
        self.table = table
        self.policy = policy
        self.pacer = pacer
        self._parse_error = parse_error
        self._parse_success = parse_success
        self.redactor = Redactor(secrets)
        """Hides the secrets in whatever this engine's answers put in front of a user."""
        self._clock = clock
        self._wallclock = wallclock
        if observer is not None and on_attempt is None:
            on_attempt = _no_hook  # the observer's span events come with the hook's calls
        self._on_attempt = on_attempt
        self._observer = observer
        self.counters = EngineCounters(pacer=pacer)
        """Calls, attempts, 429s met and the rules that fired, since the engine was built."""
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter, not crypto
        self._retrier: Retrier[_Call, Reply] = Retrier(
            policy,
            self._attempt,
            clock=clock,
            rng=self._rng,
            on_wait=self._log_wait,
        )

    def with_policy(self, policy: RetryPolicy) -> Engine:
        """An engine like this one but for `policy`: same transport, pacer, hooks, counters."""
        engine = Engine(
            transport=self.transport,
            table=self.table,
            parse_error=self._parse_error,
            policy=policy,
            pacer=self.pacer,
            parse_success=self._parse_success,
            clock=self._clock,
            wallclock=self._wallclock,
            rng=self._rng,
            on_attempt=self._on_attempt,
            observer=self._observer,
        )
        engine.redactor = self.redactor  # the same secrets, without handing them over again
        engine.counters = self.counters  # one account of what the client did, views included
        return engine

    async def send(self, request: Request) -> Reply:
        """Send `request` until it succeeds or the policy gives up.

        Returns:
            The reply of the attempt that succeeded.

        Raises:
            RequestError: the subclass for the last verdict's action, carrying the verdict.
        """
        # Encoded once per call: every retry resends the same bytes. A JSON request pays one
        # None check for the raw-body alternative, nothing more.
        body = request.body
        headers: Mapping[str, str] | None = None
        if body is None:
            try:
                body = None if request.json is None else encode_json(request.json)
            except (TypeError, orjson.JSONEncodeError) as exc:
                raise ValidationError.before_sending(
                    method=request.method,
                    path=request.path,
                    field_errors={"": [f"The body cannot be sent as JSON: {exc}."]},
                ) from None
        elif request.content_type is not None:
            headers = {"Content-Type": request.content_type}
        if request.headers:
            # Merged once per call: a retry resends the same Idempotency-Key, byte for byte.
            headers = {**request.headers, **(headers or {})}
        self.counters.calls += 1
        run_counters = RUN_COUNTERS.get()  # the one context read of a call
        if run_counters is not None:
            run_counters.calls += 1
            if run_counters.pacer is None:
                run_counters.attach(self.pacer)
        now = self._clock()
        deadline = self.policy.deadline
        call = _Call(
            facts=_first_facts(request),
            started_at=now,
            deadline_at=None if deadline is None else now + deadline,
            request=request,
            body=body,
            headers=headers,
            run_counters=run_counters,
        )
        observer = self._observer
        if observer is not None:
            call.span = observer.start(
                request.name or f"{request.method} {request.path}",
                request.method,
                request.path,
                request.pace_key,
                external_id_of(request.json),
            )
        try:
            # The first attempt awaited here, not through the retrier: each coroutine level
            # costs on every suspension, and most calls succeed at once.
            reply = await self._attempt(call)
            if reply is None:
                reply = await self._retrier.retry(call)
                if reply is None:  # the policy gave up on a retryable verdict
                    raise self._given_up(call)
        except BaseException as exc:
            if observer is not None:
                observer.end(call.span, exc)
            raise
        if observer is not None:
            observer.end(call.span, None)
        return reply

    def _given_up(self, call: _Call) -> RequestError:
        """Tell of the call the policy gave up on, and return its error."""
        verdict = call.verdict
        assert verdict is not None  # noqa: S101 - the retrier returns None only after one
        self._log_give_up(call, verdict, call.gave_up)
        if self._on_attempt is not None:
            self._tell(call, verdict, "give_up", gave_up=call.gave_up)
        return self._error(call, verdict, gave_up=call.gave_up)

    async def _attempt(self, call: _Call) -> Reply | None:
        request = call.request
        limiter = self.pacer.limiter(request.pace_key)
        ticket = limiter.take_now()  # a free window: no coroutine to pace it
        if ticket is None:
            ticket = await self._pace(call, limiter)
        call.attempts += 1
        timeout = self.policy.attempt_timeout
        call.sent_at = sent_at = self._clock()
        remaining = call.remaining(sent_at)
        if remaining is not None:
            timeout = max(min(timeout, remaining), 0.001)
        # Awaited here, not in a helper: each coroutine level costs on every suspension.
        try:
            raw = await self.transport.request(
                request.method,
                request.path,
                body=call.body,
                time_limit=timeout,
                headers=call.headers,
            )
        except TransportError as exc:
            limiter.release(ticket, None)
            return self._act(call, limiter, exc.failure, self._wallclock(), ticket)
        except BaseException:  # cancelled: give the permit back, then stop
            limiter.release(ticket, None)
            raise
        now = self._wallclock()
        limiter.release(ticket, parse_rate_limit(raw.headers, now))
        return self._act(call, limiter, self._response(raw), now, ticket)

    async def _pace(self, call: _Call, limiter: Limiter) -> Ticket:
        try:
            ticket = await limiter.acquire(deadline=call.deadline_at)
        except PacingTimeoutError as exc:
            verdict = Verdict(
                action=Action.WAIT_RETRY_AFTER,
                reason="The store's rate-limit window is spent and frees only after the deadline.",
                rule="pacing",
                wait=exc.wait,
                wait_source=WaitSource.PACING,
            )
            gave_up = f"the store's window frees in {exc.wait:.3g} s, past the deadline"
            self._log_give_up(call, verdict, gave_up)
            if self._on_attempt is not None:
                call.attempts += 1  # told as the attempt that was never sent
                call.sent_at = 0.0
                self._tell(call, verdict, "give_up", gave_up=gave_up)
                call.attempts -= 1
            raise self._error(call, verdict, gave_up=gave_up) from None
        if ticket.waited >= _PACING_LOG_THRESHOLD and logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s attempt %d: waited %.3g s for the rate-limit window of %r (%s)",
                call.request.method,
                self._redact(call.request.path),
                call.attempts + 1,
                ticket.waited,
                self._redact(call.request.pace_key),
                self._time_left(call),
                extra={
                    "attempt": call.attempts + 1,
                    "wait": ticket.waited,
                    "wait_source": "pacing",
                },
            )
        return ticket

    def _response(self, raw: RawResponse) -> HttpResponse:
        data = decode_json(raw.body)
        if 200 <= raw.status < 300:
            parse = self._parse_success
            error = None if parse is None else parse(raw.status, data)
        else:
            error = self._parse_error(raw.status, data)
        return HttpResponse(
            status=raw.status, headers=raw.headers, body=raw.body, data=data, error=error
        )

    def _act(
        self, call: _Call, limiter: Limiter, outcome: Outcome, now: float, ticket: Ticket
    ) -> Reply | None:
        """Decide on one attempt's outcome: the reply, ``None`` to retry, or raise to fail."""
        verdict = self.table.decide(outcome, call.facts, now=now)
        counters = self.counters
        counters.attempts += 1
        counters.rules[verdict.rule] += 1
        call.record(outcome, verdict)
        run_counters = call.run_counters
        if run_counters is not None:
            run_counters.attempts += 1
            run_counters.rules[verdict.rule] += 1
        if verdict.action is Action.WAIT_RETRY_AFTER:
            counters.rate_limited += 1
            if run_counters is not None:
                run_counters.rate_limited += 1
            # One 429 pauses every task of the store, not only this one.
            limiter.pause(
                verdict.wait if verdict.wait is not None else self.policy.backoff_base,
                sent_at=ticket.sent_at,
            )
        if verdict.succeeded and isinstance(outcome, HttpResponse):
            self._log_done(call, verdict)
            if self._on_attempt is not None:
                self._tell(call, verdict, "done")
            return Reply(
                status=outcome.status,
                data=outcome.data,
                body=outcome.body,
                headers=outcome.headers,
                verdict=verdict,
                attempts=call.attempts,
                # A success is never ambiguous itself: this is what the earlier attempts left.
                after_ambiguous=call.after_ambiguous,
            )
        if verdict.retryable:
            return None
        self._log_give_up(call, verdict, None)
        if self._on_attempt is not None:
            self._tell(call, verdict, "fail")
        raise self._error(call, verdict, gave_up=None)

    def _tell(
        self,
        call: _Call,
        verdict: Verdict,
        next_: Next,
        *,
        wait: float | None = None,
        wait_source: str | None = None,
        gave_up: str | None = None,
    ) -> None:
        """Give the ``on_attempt`` hook the attempt just judged (never on the hot path)."""
        hook = self._on_attempt
        assert hook is not None  # noqa: S101 - every caller tested it, cheaply
        outcome = call.last
        request = call.request
        event = AttemptEvent(
            method=request.method,
            path=request.path,
            store=request.pace_key,
            attempt=call.attempts,
            verdict=verdict,
            next=next_,
            wait=wait,
            wait_source=wait_source,
            gave_up=gave_up,
            latency=self._latency(call),
            request_id=request_id_of(outcome.headers)
            if isinstance(outcome, HttpResponse)
            else None,
            external_id=external_id_of(request.json),
        )
        if self._observer is not None:
            self._observer.attempt(call.span, event)
        hook(event)

    def _latency(self, call: _Call) -> float | None:
        return None if not call.sent_at else max(self._clock() - call.sent_at, 0.0)

    def _redact(self, text: str) -> str:
        return self.redactor.text(text)

    def _error(self, call: _Call, verdict: Verdict, *, gave_up: str | None) -> RequestError:
        outcome = call.last
        error: ErrorBody | None = None
        failure: FailureKind | None = None
        request_id: str | None = None
        if isinstance(outcome, HttpResponse):
            error = outcome.error
            request_id = request_id_of(outcome.headers)
        elif isinstance(outcome, TransportFailure):
            failure = outcome.kind
        redact = self.redactor
        if error is not None and redact:
            # Every string the server sent, field-error names included: any may echo the key.
            error = evolve(
                error,
                key=redact.optional(error.key),
                message=redact.optional(error.message),
                type=redact.optional(error.type),
                field_errors=redact.data(dict(error.field_errors)),
                retry_after=redact.data(error.retry_after),
            )
        return error_class_for(verdict.action)(
            verdict,
            method=call.request.method,
            path=self._redact(call.request.path),
            error=error,
            failure=failure,
            request_id=redact.optional(request_id),
            attempts=call.attempts,
            gave_up=gave_up,
        )

    def _time_left(self, call: _Call) -> str:
        remaining = call.remaining(self._clock())
        return "no deadline" if remaining is None else f"{max(remaining, 0.0):.3g} s left"

    def _describe(self, call: _Call, verdict: Verdict) -> str:
        outcome = call.last
        if isinstance(outcome, TransportFailure):
            return f"{outcome.kind.value} ({outcome.detail})"
        return str(verdict.status) if verdict.status is not None else "not sent"

    def _extra(self, call: _Call, verdict: Verdict) -> dict[str, object]:
        """The fields of an attempt's log record, for structured logging (``extra``).

        Everything that comes from the server or the caller passes the redactor.
        """
        outcome = call.last
        request = request_id_of(outcome.headers) if isinstance(outcome, HttpResponse) else None
        external_id = external_id_of(call.request.json)
        return {
            "attempt": call.attempts,
            "rule": verdict.rule,
            "action": verdict.action.value,
            "reason": verdict.reason,
            "status": verdict.status,
            "method": call.request.method,
            "path": self._redact(call.request.path),
            "store": self._redact(call.request.pace_key),
            "external_id": None if external_id is None else self._redact(str(external_id)),
            "request_id": None if request is None else self._redact(request),
            "latency": self._latency(call),
        }

    def _log_done(self, call: _Call, verdict: Verdict) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s attempt %d: %s %s [%s] %s (%s)",
                call.request.method,
                self._redact(call.request.path),
                call.attempts,
                self._describe(call, verdict),
                verdict.action.name,
                verdict.rule,
                verdict.reason,
                self._time_left(call),
                extra=self._extra(call, verdict),
            )

    def _log_wait(self, call: _Call, plan: Plan) -> None:
        verdict = call.verdict
        source = plan.source.value if plan.source is not None else "backoff"
        if verdict is not None and self._on_attempt is not None:
            self._tell(call, verdict, "retry", wait=plan.wait, wait_source=source)
        if verdict is not None and logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s attempt %d: %s %s [%s] %s Retrying in %.3g s (%s; %s)",
                call.request.method,
                self._redact(call.request.path),
                call.attempts,
                self._describe(call, verdict),
                verdict.action.name,
                verdict.rule,
                verdict.reason,
                plan.wait,
                source,
                self._time_left(call),
                extra={**self._extra(call, verdict), "wait": plan.wait, "wait_source": source},
            )

    def _log_give_up(self, call: _Call, verdict: Verdict, gave_up: str | None) -> None:
        if logger.isEnabledFor(logging.WARNING):
            logger.warning(
                "%s %s attempt %d: %s %s [%s] %s %s (%s)",
                call.request.method,
                self._redact(call.request.path),
                call.attempts,
                self._describe(call, verdict),
                verdict.action.name,
                verdict.rule,
                verdict.reason,
                f"Gave up: {gave_up}." if gave_up else "Not retried.",
                self._time_left(call),
                extra=self._extra(call, verdict),
            )


def _first_facts(request: Request) -> RequestFacts:
    """The facts of a call's first attempt: frozen values, one per kind of request, made once."""
    key = (request.method, request.idempotent, request.create)
    facts = _FACTS.get(key)
    if facts is None:
        facts = RequestFacts(
            method=request.method, idempotent=request.idempotent, create=request.create
        )
        if len(_FACTS) < _FACTS_CACHE_SIZE:
            _FACTS[key] = facts
    return facts


def _no_hook(_event: AttemptEvent) -> None:
    """The hook of an engine that only an observer watches."""
