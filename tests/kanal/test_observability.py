"""What a client tells of its attempts: ``on_attempt``, OpenTelemetry, and structured log fields."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shopbridge import AttemptEvent, RequestError, RetryPolicy, Telemetry
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from tests.kanal.bulk_data import order

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=8, deadline=30, backoff_base=0.001, backoff_max=0.01)


@pytest.fixture
def faulty(kanal_sandbox_factory: Callable[..., KanalSandbox]) -> KanalSandbox:
    return kanal_sandbox_factory(rate_limit=None, faults="503=0.4", seed=11)


async def test_on_attempt_gets_every_attempt_with_its_verdict_and_what_follows(
    faulty: KanalSandbox,
) -> None:
    events: list[AttemptEvent] = []
    async with AsyncKanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=faulty.base_url, retry=FAST,
        on_attempt=events.append,
    ) as kanal:  # fmt: skip
        for number in range(10):
            await kanal.orders.upsert(order(number))
        attempts = kanal.counters.attempts
    assert len(events) == attempts
    done = [event for event in events if event.next == "done"]
    retried = [event for event in events if event.next == "retry"]
    assert [event.external_id for event in done] == [f"ORDER-{n}" for n in range(10)]
    assert all(event.verdict.rule == "kanal-201" for event in done)
    assert retried, "the seed gives some 503s"
    for event in retried:
        assert event.verdict.status == 503
        assert event.wait is not None
        assert event.wait >= 0
        assert event.wait_source == "backoff"
        assert event.latency is not None
        assert event.store == str(DEFAULT_STORE_ID)
        assert event.method == "POST"
        assert event.path == f"/stores/{DEFAULT_STORE_ID}/orders"


async def test_a_give_up_and_a_refusal_are_told_too(
    kanal_sandbox_factory: Callable[..., KanalSandbox],
) -> None:
    down = kanal_sandbox_factory(rate_limit=None, faults="503=1")
    events: list[AttemptEvent] = []
    policy = RetryPolicy(max_attempts=2, backoff_base=0.001)
    async with AsyncKanal(
        DEFAULT_API_KEY, 1, base_url=down.base_url, retry=policy, on_attempt=events.append
    ) as kanal:
        with pytest.raises(RequestError):
            await kanal.orders.upsert(order(1))
    assert [event.next for event in events] == ["retry", "give_up"]
    assert events[-1].gave_up
    events.clear()
    async with AsyncKanal("wrong-key", 1, base_url=down.base_url, on_attempt=events.append) as k:
        down.set_faults("none")
        with pytest.raises(RequestError):
            await k.orders.upsert(order(1))
    assert [(event.next, event.verdict.action.name) for event in events] == [
        ("fail", "FIX_CREDENTIALS")
    ]


async def test_a_raising_hook_is_logged_and_the_call_goes_on(
    kanal_sandbox: KanalSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: AttemptEvent) -> None:
        raise ZeroDivisionError

    async with AsyncKanal(
        DEFAULT_API_KEY, 1, base_url=kanal_sandbox.base_url, on_attempt=broken
    ) as kanal:
        result = await kanal.orders.upsert(order(1))
    assert result.created
    assert "the on_attempt hook" in caplog.text


def test_the_blocking_client_takes_the_hook_too(kanal_sandbox: KanalSandbox) -> None:
    events: list[AttemptEvent] = []
    with Kanal(
        DEFAULT_API_KEY, 1, base_url=kanal_sandbox.base_url, on_attempt=events.append
    ) as kanal:
        kanal.customers.upsert({"phone": "+33612345678", "external_id": "CUST-1"})
    assert [(event.next, event.external_id) for event in events] == [("done", "CUST-1")]


async def test_log_records_carry_store_external_id_and_latency(
    faulty: KanalSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shopbridge")
    async with AsyncKanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=faulty.base_url, retry=FAST
    ) as kanal:
        for number in range(10):
            await kanal.orders.upsert(order(number))
    retries = [record for record in caplog.records if "Retrying in" in record.getMessage()]
    assert retries
    for record in retries:
        assert record.store == str(DEFAULT_STORE_ID)  # type: ignore[attr-defined]
        assert record.external_id.startswith("ORDER-")  # type: ignore[attr-defined]
        assert record.latency >= 0  # type: ignore[attr-defined]
        assert record.request_id is None  # type: ignore[attr-defined]  # the sandbox sends none


# -- OpenTelemetry ---------------------------------------------------------------------------


def _sums(reader: InMemoryMetricReader) -> dict[str, dict[tuple[tuple[str, object], ...], int]]:
    data = reader.get_metrics_data()
    assert data is not None
    sums: dict[str, dict[tuple[tuple[str, object], ...], int]] = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points = sums.setdefault(metric.name, {})
                for point in metric.data.data_points:
                    key = tuple(sorted((point.attributes or {}).items()))
                    points[key] = int(point.value)  # type: ignore[union-attr]
    return sums


async def test_telemetry_makes_one_span_per_call_with_attempts_as_events(
    faulty: KanalSandbox,
) -> None:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    telemetry = Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
    async with AsyncKanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=faulty.base_url, retry=FAST,
        telemetry=telemetry,
    ) as kanal:  # fmt: skip
        for number in range(10):
            await kanal.orders.upsert(order(number))
        counters = kanal.counters
    spans = exporter.get_finished_spans()
    assert len(spans) == 10
    assert {span.name for span in spans} == {"orders.upsert"}
    events = [event for span in spans for event in span.events]
    assert len(events) == counters.attempts
    for span in spans:
        attributes = dict(span.attributes or {})
        assert attributes["shopbridge.store"] == str(DEFAULT_STORE_ID)
        assert str(attributes["shopbridge.external_id"]).startswith("ORDER-")
        assert attributes["http.response.status_code"] == 201
        assert attributes["shopbridge.attempts"] == len(span.events)
        last = dict(span.events[-1].attributes or {})
        assert last["shopbridge.next"] == "done"
        assert last["shopbridge.rule"] == "kanal-201"
        assert last["shopbridge.action"] == "DONE"
    attempts = [dict(event.attributes or {}) for event in events]
    retried = [attributes for attributes in attempts if attributes["shopbridge.next"] == "retry"]
    assert retried
    for attributes in retried:
        assert attributes["shopbridge.wait_source"] == "backoff"
        assert isinstance(attributes["shopbridge.wait"], float)
        assert isinstance(attributes["shopbridge.attempt"], int)
        assert attributes["http.response.status_code"] == 503
    sums = _sums(reader)
    assert sum(sums["shopbridge.calls"].values()) == counters.calls == 10
    assert sum(sums["shopbridge.attempts"].values()) == counters.attempts
    rules = {dict(key)["shopbridge.rule"]: value for key, value in sums["shopbridge.rules"].items()}
    assert rules == dict(counters.rules)


async def test_a_failed_call_has_an_error_span(kanal_sandbox: KanalSandbox) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    telemetry = Telemetry(
        tracer_provider=provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    kanal_sandbox.set_faults("throttle=1:1")
    # A 429's wait is not a failed attempt while the deadline allows it: this one does not.
    policy = RetryPolicy(max_attempts=1, deadline=0.5)
    async with AsyncKanal(
        DEFAULT_API_KEY, 1, base_url=kanal_sandbox.base_url, retry=policy, telemetry=telemetry
    ) as kanal:
        with pytest.raises(RequestError):
            await kanal.orders.upsert(order(1))
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code.name == "ERROR"
    assert dict(span.attributes or {})["error.type"] == "RateLimitedError"
    assert DEFAULT_API_KEY not in str(span.to_json())
    assert sum(_sums(reader)["shopbridge.rate_limited"].values()) == 1
