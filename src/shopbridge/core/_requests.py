"""What the engine takes and gives: a `Request`, a `Reply`, and the `EngineCounters` of a client.

Values only: a dialect builds a `Request` from an endpoint's facts, the engine answers a
`Reply` (or raises a `RequestError`), and counts what it did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

from attrs import define, field, frozen

from shopbridge.core.sansio._verdict import Verdict

__all__ = ["EngineCounters", "PacingTally", "Reply", "Request", "Response", "request_id_of"]

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
        name: the operation (``orders.upsert``): the name of the call's span.
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
    name: str = ""


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
        return request_id_of(self.headers)

    def response(self) -> Response:
        """The raw answer as a plain value, to keep beside the result it gave."""
        return Response(
            status=self.status, headers=dict(self.headers.items()), request_id=self.request_id
        )


@frozen(kw_only=True)
class Response:
    """The raw answer of a call that succeeded: what a caller may log or keep beside its result.

    A plain value that pickles and compares: `headers` is a copy in a `dict` (a repeated
    header keeps its last value), never the transport's own multidict.

    Attributes:
        status: the HTTP status.
        headers: the response headers.
        request_id: the server's request id (``X-Request-Id`` and its kin), or ``None`` when
            it sent none.
    """

    status: int
    headers: Mapping[str, str] = field(repr=False)
    request_id: str | None


class PacingTally(Protocol):
    """What a pacer tells a report: seconds paced alone and the windows it learned."""

    @property
    def paced_alone(self) -> float:
        """Seconds paced alone, a shared backend out of reach."""
        ...

    def learned(self) -> dict[str, float]:
        """The rate-limit windows learned from the server, in seconds, by pace key."""
        ...


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
    pacer: PacingTally | None = field(default=None, repr=False, eq=False)
    alone_before: float = field(default=0.0, repr=False, eq=False)
    """What `pacer` had paced alone before these counters began reading it."""

    def attach(self, pacer: PacingTally) -> None:
        """Read `pacer` from now on (a bulk run's first call): its past is not this run's."""
        self.pacer = pacer
        self.alone_before = pacer.paced_alone

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
            paced_alone=(
                self.paced_alone if pacer is None else pacer.paced_alone - self.alone_before
            ),
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


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The server's request id among `headers`, if it sent one."""
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None
