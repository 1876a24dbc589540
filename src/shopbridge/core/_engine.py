"""`Engine.send()`: pace → transport → decide → act, for one request, until it is settled.

The engine knows HTTP and nothing of Kanal or Karla: a dialect hands it a `Request`, its
decision table and its error-body parser, and gets back a `Reply` (the request succeeded) or a
typed `RequestError` (it did not, and the policy will not try again).
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from attrs import define, evolve, field, frozen

from shopbridge.core._bodies import decode_json, encode_json
from shopbridge.core._errors import (
    RequestError,
    ValidationError,
    error_class_for,
)
from shopbridge.core._pacing import Limiter, Pacer, PacingTimeoutError
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
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource
from shopbridge.core.sansio._waits import parse_rate_limit

if TYPE_CHECKING:
    from shopbridge.core.sansio._table import DecisionTable
    from shopbridge.core.sansio._window import Ticket

__all__ = ["Engine", "EngineCounters", "ErrorParser", "Reply", "Request"]

logger = logging.getLogger("shopbridge")

ErrorParser = Callable[[int, Any], "ErrorBody | None"]
"""A dialect's reader of error bodies: ``(status, decoded JSON or None) -> ErrorBody``."""

_PACING_LOG_THRESHOLD = 0.05
"""Pacing waits shorter than this (the first request of a store going alone) are not logged."""

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")


@frozen(kw_only=True)
class Request:
    """One API call, as a dialect describes it to the engine.

    Attributes:
        method: the HTTP method.
        path: the path below the base URL, percent-encoded.
        json: the JSON body (already validated and unstructured), or ``None``.
        body: a body already encoded (a multipart upload), sent instead of `json` when given,
            byte for byte on every attempt.
        content_type: the ``Content-Type`` of `body`, sent with this request only (the
            client's own header says JSON); ignored without `body`.
        idempotent: whether the API deduplicates it, so an ambiguous failure may be resent.
        pace_key: the store or shop whose rate limit this request counts against.
        create: whether it is a create that the API refuses twice (Karla's ``POST`` creates
            answer ``409 *_exists``), so that after an ambiguous failure it may be resent and
            its 409 read as "already existed". A request neither idempotent nor a create
            (Karla's shipment events) is never resent after an ambiguous failure.
        headers: headers of this request only (Kanal messaging's ``Idempotency-Key``),
            sent identically on every attempt of the call.
    """

    method: str
    path: str
    json: Any = None
    idempotent: bool
    pace_key: str
    create: bool = False
    body: bytes | None = field(default=None, repr=False)
    content_type: str | None = None
    headers: Mapping[str, str] | None = field(default=None, repr=False)


@frozen(kw_only=True)
class Reply:
    """A request that succeeded.

    Attributes:
        status: the HTTP status.
        data: the decoded JSON body, or ``None`` when empty or not JSON.
        body: the raw body.
        headers: the response headers.
        verdict: the verdict of the last attempt (one whose action `succeeded`).
        attempts: attempts made.
        after_ambiguous: whether an earlier attempt ended ambiguously (it may have been
            applied before its answer was lost).
    """

    status: int
    data: Any = field(repr=False)
    body: bytes = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    verdict: Verdict
    attempts: int
    after_ambiguous: bool = False

    @property
    def request_id(self) -> str | None:
        """The server's request id, if it sent one."""
        return _request_id(self.headers)


@define(kw_only=True)
class EngineCounters:
    """What one engine has done since it was built; read twice and subtract to measure a run.

    Attributes:
        calls: `Engine.send` calls.
        attempts: attempts sent (retries included).
        rate_limited: attempts answered ``WAIT_RETRY_AFTER`` (429s met).
        rules: how often each decision-table row fired, by rule name.
        paced_alone: seconds the pacer paced alone, its shared backend out of reach (read
            from `pacer` by `snapshot`).
        learned_windows: the rate-limit windows learned from the server, by pace key.
        pacer: the engine's pacer, read by `snapshot`.
    """

    calls: int = 0
    attempts: int = 0
    rate_limited: int = 0
    rules: Counter[str] = field(factory=Counter)
    paced_alone: float = 0.0
    learned_windows: dict[str, float] = field(factory=dict)
    pacer: Pacer | None = field(default=None, repr=False, eq=False)

    @property
    def retries(self) -> int:
        """Attempts beyond the first of each call."""
        return max(self.attempts - self.calls, 0)

    def snapshot(self) -> EngineCounters:
        """A copy, to subtract from a later reading."""
        pacer = self.pacer
        return EngineCounters(
            calls=self.calls,
            attempts=self.attempts,
            rate_limited=self.rate_limited,
            rules=Counter(self.rules),
            paced_alone=self.paced_alone if pacer is None else pacer.paced_alone,
            learned_windows=dict(self.learned_windows) if pacer is None else pacer.learned(),
        )

    def since(self, earlier: EngineCounters) -> EngineCounters:
        """What happened between `earlier` (a snapshot) and now."""
        rules = Counter(self.rules)
        rules.subtract(earlier.rules)
        now = self.snapshot()
        return EngineCounters(
            calls=self.calls - earlier.calls,
            attempts=self.attempts - earlier.attempts,
            rate_limited=self.rate_limited - earlier.rate_limited,
            rules=+rules,
            paced_alone=max(now.paced_alone - earlier.paced_alone, 0.0),
            learned_windows=now.learned_windows,
        )


@define(kw_only=True)
class _Call(CallState):
    """A call's `CallState`, plus what every attempt sends: the same bytes each time."""

    request: Request
    body: bytes | None
    headers: Mapping[str, str] | None


class Engine:
    """Sends requests for one client: paces them, retries them, and classifies every answer.

    Args:
        transport: the HTTP transport.
        table: the dialect's decision table.
        parse_error: the dialect's error-body parser.
        policy: the retry policy.
        pacer: the per-store limiters.
        secrets: strings that must never appear in an error message (the API key).
        parse_success: the dialect's reader of a 2xx body whose words change its meaning
            (Kanal messaging's "Contact blocked by re-entry rule"), so that table rows can
            match its key; ``None`` (the default): 2xx bodies are not read for the table.
        clock: a monotonic clock, for deadlines and pacing.
        wallclock: the wall clock, for HTTP-date and epoch wait hints.
        rng: the source of backoff jitter.
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
    ) -> None:
        self.transport = transport
        self.table = table
        self.policy = policy
        self.pacer = pacer
        self._parse_error = parse_error
        self._parse_success = parse_success
        self._secrets = tuple(secret for secret in secrets if len(secret) >= 4)
        self._clock = clock
        self._wallclock = wallclock
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
        now = self._clock()
        deadline = self.policy.deadline
        call = _Call(
            facts=RequestFacts(
                method=request.method, idempotent=request.idempotent, create=request.create
            ),
            started_at=now,
            deadline_at=None if deadline is None else now + deadline,
            request=request,
            body=body,
            headers=headers,
        )
        reply = await self._retrier(call)
        if reply is None:  # the policy gave up on a retryable verdict
            verdict = call.verdict
            assert verdict is not None  # noqa: S101 - the retrier returns None only after one
            self._log_give_up(call, verdict, call.gave_up)
            raise self._error(call, verdict, gave_up=call.gave_up)
        return reply

    async def _attempt(self, call: _Call) -> Reply | None:
        request = call.request
        limiter = self.pacer.limiter(request.pace_key)
        ticket = await self._pace(call, limiter)
        call.attempts += 1
        timeout = self.policy.attempt_timeout
        remaining = call.remaining(self._clock())
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
            raise self._error(call, verdict, gave_up=gave_up) from None
        if ticket.waited >= _PACING_LOG_THRESHOLD and logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s attempt %d: waited %.3g s for the rate-limit window of %r (%s)",
                call.request.method,
                call.request.path,
                call.attempts + 1,
                ticket.waited,
                call.request.pace_key,
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
        if verdict.action is Action.WAIT_RETRY_AFTER:
            counters.rate_limited += 1
            # One 429 pauses every task of the store, not only this one.
            limiter.pause(
                verdict.wait if verdict.wait is not None else self.policy.backoff_base,
                sent_at=ticket.sent_at,
            )
        if verdict.succeeded and isinstance(outcome, HttpResponse):
            self._log_done(call, verdict)
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
        raise self._error(call, verdict, gave_up=None)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _error(self, call: _Call, verdict: Verdict, *, gave_up: str | None) -> RequestError:
        outcome = call.last
        error: ErrorBody | None = None
        failure: FailureKind | None = None
        request_id: str | None = None
        if isinstance(outcome, HttpResponse):
            error = outcome.error
            request_id = _request_id(outcome.headers)
        elif isinstance(outcome, TransportFailure):
            failure = outcome.kind
        if error is not None and self._secrets:
            error = evolve(
                error,
                message=None if error.message is None else self._redact(error.message),
                field_errors={
                    path: [self._redact(message) for message in messages]
                    for path, messages in error.field_errors.items()
                },
            )
        return error_class_for(verdict.action)(
            verdict,
            method=call.request.method,
            path=call.request.path,
            error=error,
            failure=failure,
            request_id=request_id,
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

    def _log_done(self, call: _Call, verdict: Verdict) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s attempt %d: %s %s [%s] %s (%s)",
                call.request.method,
                call.request.path,
                call.attempts,
                self._describe(call, verdict),
                verdict.action.name,
                verdict.rule,
                verdict.reason,
                self._time_left(call),
                extra=_extra(call, verdict),
            )

    def _log_wait(self, call: _Call, plan: Plan) -> None:
        verdict = call.verdict
        if verdict is not None and logger.isEnabledFor(logging.INFO):
            source = plan.source.value if plan.source is not None else "backoff"
            logger.info(
                "%s %s attempt %d: %s %s [%s] %s Retrying in %.3g s (%s; %s)",
                call.request.method,
                call.request.path,
                call.attempts,
                self._describe(call, verdict),
                verdict.action.name,
                verdict.rule,
                verdict.reason,
                plan.wait,
                source,
                self._time_left(call),
                extra={**_extra(call, verdict), "wait": plan.wait, "wait_source": source},
            )

    def _log_give_up(self, call: _Call, verdict: Verdict, gave_up: str | None) -> None:
        if logger.isEnabledFor(logging.WARNING):
            logger.warning(
                "%s %s attempt %d: %s %s [%s] %s %s (%s)",
                call.request.method,
                call.request.path,
                call.attempts,
                self._describe(call, verdict),
                verdict.action.name,
                verdict.rule,
                verdict.reason,
                f"Gave up: {gave_up}." if gave_up else "Not retried.",
                self._time_left(call),
                extra=_extra(call, verdict),
            )


def _extra(call: _Call, verdict: Verdict) -> dict[str, object]:
    return {
        "attempt": call.attempts,
        "rule": verdict.rule,
        "action": verdict.action.value,
        "reason": verdict.reason,
        "status": verdict.status,
        "method": call.request.method,
        "path": call.request.path,
    }


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None
