"""`Telemetry`: OpenTelemetry traces and metrics of every call (the ``otel`` extra).

The only module that imports ``opentelemetry`` (an import-linter contract says so), and only
its API: the application picks the SDK, the exporters and the providers. Given to a client as
``telemetry=Telemetry()``, it records:

- one span per logical call (``orders.upsert``, kind CLIENT), with the method, the path,
  the store, the record's external id, and at its end the status, the attempts, the last rule
  and action; a call that failed has status ERROR and the exception recorded;
- one span event ``shopbridge.attempt`` per attempt, whose attributes are the verdict's rule,
  action and reason, what came next (done, retry, give up, fail), the wait and its source, the
  attempt's number, status and latency, and the request id;
- counters: ``shopbridge.calls``, ``shopbridge.attempts``, ``shopbridge.rate_limited`` (429s
  met) and ``shopbridge.rules`` (each decision-table row that fired, by ``shopbridge.rule``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shopbridge._version import VERSION
from shopbridge.core._errors import ConfigurationError
from shopbridge.core.sansio._verdict import Action

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

    from shopbridge.core._attempts import AttemptEvent

__all__ = ["Telemetry"]

_INSTRUMENTATION = "shopbridge"


def _attributes(**values: object) -> dict[str, Any]:
    # OpenTelemetry refuses None as an attribute value: an unknown fact is left out.
    return {f"shopbridge.{name}": value for name, value in values.items() if value is not None}


class Telemetry:
    """OpenTelemetry spans and counters for a client's calls; pass it as ``telemetry=``.

    Args:
        tracer_provider: where the spans go (default: the global provider).
        meter_provider: where the counters go (default: the global provider).

    Raises:
        ConfigurationError: ``opentelemetry-api`` is not installed (``pip install
            'shopbridge[otel]'``).
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        try:
            from opentelemetry import metrics, trace  # noqa: PLC0415 - an optional extra
        except ImportError:
            msg = "Telemetry needs opentelemetry-api: pip install 'shopbridge[otel]'"
            raise ConfigurationError(msg) from None
        self._trace = trace
        self._tracer = trace.get_tracer(_INSTRUMENTATION, VERSION, tracer_provider=tracer_provider)
        meter = metrics.get_meter(_INSTRUMENTATION, VERSION, meter_provider=meter_provider)
        self._calls = meter.create_counter(
            "shopbridge.calls", unit="{call}", description="Logical calls (each one a span)."
        )
        self._attempts = meter.create_counter(
            "shopbridge.attempts", unit="{attempt}", description="Attempts, retries included."
        )
        self._rate_limited = meter.create_counter(
            "shopbridge.rate_limited", unit="{response}", description="429s met."
        )
        self._rules = meter.create_counter(
            "shopbridge.rules", unit="{attempt}", description="Decision-table rows that fired."
        )

    def __repr__(self) -> str:
        return "Telemetry()"

    def start(self, name: str, method: str, path: str, store: str, external_id: str | None) -> Span:
        """Begin the span of one call."""
        attributes = {
            "http.request.method": method,
            "url.path": path,
            **_attributes(store=store, external_id=external_id),
        }
        self._calls.add(1, {"http.request.method": method, "shopbridge.store": store})
        return self._tracer.start_span(
            name, kind=self._trace.SpanKind.CLIENT, attributes=attributes
        )

    def attempt(self, span: Span, event: AttemptEvent) -> None:
        """Record one attempt: a span event, and the counters."""
        verdict = event.verdict
        attributes = _attributes(
            attempt=event.attempt,
            rule=verdict.rule,
            action=verdict.action.name,
            reason=verdict.reason,
            next=event.next,
            wait=event.wait if event.wait is not None else verdict.wait,
            wait_source=event.wait_source
            if event.wait_source is not None
            else (verdict.wait_source.value if verdict.wait_source is not None else None),
            latency=event.latency,
            request_id=event.request_id,
            gave_up=event.gave_up,
        )
        if verdict.status is not None:
            attributes["http.response.status_code"] = verdict.status
        span.add_event("shopbridge.attempt", attributes=attributes)
        span.set_attribute("shopbridge.attempts", event.attempt)
        span.set_attribute("shopbridge.rule", verdict.rule)
        span.set_attribute("shopbridge.action", verdict.action.name)
        if verdict.status is not None:
            span.set_attribute("http.response.status_code", verdict.status)
        store = {"shopbridge.store": event.store}
        self._attempts.add(1, {**store, "shopbridge.action": verdict.action.name})
        self._rules.add(1, {**store, "shopbridge.rule": verdict.rule})
        if verdict.action is Action.WAIT_RETRY_AFTER:
            self._rate_limited.add(1, store)

    def end(self, span: Span, error: BaseException | None) -> None:
        """End the span of one call; an error sets its status and is recorded."""
        if error is not None:
            span.record_exception(error)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, str(error)))
            span.set_attribute("error.type", type(error).__name__)
        span.end()
