"""`AttemptEvent`: what the engine tells an ``on_attempt`` hook (and OpenTelemetry) of each try.

Like httpx's event hooks, a client calls ``on_attempt(event)`` once per attempt, after the
decision table has judged it and the retry policy has planned what comes next: the event
carries the verdict (rule, action, reason, the server's wait hint and its source), what happens
next (``done``, ``retry`` after `wait` seconds, ``give_up``, ``fail``) and the facts a log line
needs (method, path, store, the record's external id when the body names it, the request id,
the attempt's latency).

A hook runs on the event loop, between attempts: it must be quick and must not block. An
exception it raises is logged and swallowed, never the call's: an observer does not change
what happens to a request.

`Observer` is what the engine takes: the hooks of a client, the user's and the telemetry's, as
one callable, so that the engine pays one ``is None`` test per attempt when nothing observes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from attrs import frozen

from shopbridge.core.sansio._verdict import Verdict

__all__ = ["AttemptEvent", "AttemptHook", "CallObserver", "Next", "external_id_of", "fan_out"]

logger = logging.getLogger("shopbridge")

Next = Literal["done", "retry", "give_up", "fail"]
"""What follows an attempt: the call succeeded, is tried again, was given up, or failed."""


@frozen(kw_only=True)
class AttemptEvent:
    """One attempt of one call, judged.

    Attributes:
        method: the HTTP method.
        path: the path below the base URL (no query secrets: the API's ids only).
        store: the store or shop whose rate limit the call counts against.
        attempt: the attempt's number, from 1.
        verdict: the decision table's verdict on it.
        next: what follows: ``done``, ``retry``, ``give_up`` (retryable, but the policy has
            no attempts or time left) or ``fail`` (not retried).
        wait: with ``retry``, the seconds waited before the next attempt.
        wait_source: with ``retry``, where `wait` came from (``Retry-After``, ``backoff``...).
        gave_up: with ``give_up``, why the policy stopped.
        latency: seconds from sending the attempt to its answer (``None``: never sent).
        request_id: the server's request id, if it sent one.
        external_id: the record's ``external_id`` (or Karla's ``id``) when the body names it.
    """

    method: str
    path: str
    store: str
    attempt: int
    verdict: Verdict
    next: Next
    wait: float | None = None
    wait_source: str | None = None
    gave_up: str | None = None
    latency: float | None = None
    request_id: str | None = None
    external_id: str | None = None


AttemptHook = Callable[[AttemptEvent], None]
"""An ``on_attempt`` hook: called with each `AttemptEvent`, on the event loop's thread."""


class CallObserver(Protocol):
    """What the engine tells of a whole call: the OpenTelemetry span's start and end."""

    def start(self, name: str, method: str, path: str, store: str, external_id: str | None) -> Any:
        """Begin the call's span; return a handle given back to `attempt` and `end`."""
        ...

    def attempt(self, handle: Any, event: AttemptEvent) -> None:
        """Record one attempt on the call's span."""
        ...

    def end(self, handle: Any, error: BaseException | None) -> None:
        """End the call's span, with the error that ended the call, if any."""
        ...


def fan_out(hooks: list[AttemptHook]) -> AttemptHook | None:
    """One hook calling each of `hooks` in turn (``None`` for none); their errors are logged."""
    if not hooks:
        return None

    def call_each(event: AttemptEvent) -> None:
        for hook in hooks:
            try:
                hook(event)
            except Exception:
                # An observer's bug must not become the request's failure.
                logger.exception("the on_attempt hook %r raised; the call goes on", hook)

    return call_each


def external_id_of(body: object) -> str | None:
    """The record's key when a JSON body names it: ``external_id``, else Karla's ``id``."""
    if not isinstance(body, Mapping):
        return None
    for name in ("external_id", "id"):
        value = body.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None
