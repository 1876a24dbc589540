"""Fault injection: the spec grammar, the seeded draws, and each fault as a client meets it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import anyio
import orjson
import pytest

from shopbridge._sandbox.faults import (
    NO_FAULTS,
    FaultInjector,
    FaultKind,
    Faults,
    FaultSpecError,
    Malformed,
)
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, KanalSandbox

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

HEADERS = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "Content-Type": "application/json"}
CUSTOMER = {"external_id": "CUST-1", "phone": "+33612345678"}

# -- the spec grammar -----------------------------------------------------------------------------


def test_the_full_spec_parses() -> None:
    faults = Faults.parse(
        "503=0.1,500=0.02,drop_before=0.02,drop_after=0.02,slow=0.05:0.3,malformed=0.5,throttle=0.01:1"
    )
    assert faults == Faults(
        error_503=0.1,
        error_500=0.02,
        drop_before=0.02,
        drop_after=0.02,
        slow=0.05,
        slow_seconds=0.3,
        malformed=0.5,
        throttle=0.01,
        throttle_seconds=1,
    )
    assert Faults.parse(faults.spec()) == faults


@pytest.mark.parametrize("spec", ["", "none", " off "])
def test_an_empty_spec_injects_nothing(spec: str) -> None:
    assert Faults.parse(spec) is NO_FAULTS
    assert not NO_FAULTS.active
    assert NO_FAULTS.spec() == "none"


def test_seconds_are_optional() -> None:
    faults = Faults.parse(" slow = 1 , throttle=0.5 ")
    assert (faults.slow_seconds, faults.throttle_seconds) == (1.0, 1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("503", "'503' is not of the form name=value"),
        ("418=0.1", "unknown fault '418' in item '418=0.1'"),
        ("503=abc", "item '503=abc': 'abc' is not a probability"),
        ("503=1.5", "item '503=1.5': '1.5' is not a probability"),
        ("503=nan", "item '503=nan': 'nan' is not a probability"),
        ("503=0.1:2", "item '503=0.1:2': only slow and throttle take ':SECONDS'"),
        ("slow=0.1:x", "item 'slow=0.1:x': 'x' is not a number of seconds"),
        ("slow=0.1:-1", "item 'slow=0.1:-1': '-1' is not a number of seconds"),
        ("throttle=0.1:0.5", "item 'throttle=0.1:0.5': '0.5' is not a whole number"),
        ("503=0.1,503=0.2", "fault '503' is given twice (item '503=0.2')"),
        ("503=0.1,,500=0.1", "item '' is not of the form name=value"),
        ("503=0.7,drop_after=0.6", "add up to 1.3"),
    ],
)
def test_a_bad_spec_names_the_bad_item(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        Faults.parse(spec)
    assert message in str(caught.value)


def test_faults_validate_their_values() -> None:
    with pytest.raises(ValueError, match="drop_after must be a probability"):
        Faults(drop_after=2.0)


# -- the seeded draws -----------------------------------------------------------------------------


def _plans(seed: int, faults: Faults, count: int = 200) -> list[tuple[Any, ...]]:
    injector = FaultInjector(faults, seed=seed)
    return [
        (plan.kind, plan.delay, plan.malformed) for plan in (injector.plan() for _ in range(count))
    ]


def test_the_same_seed_gives_the_same_faults() -> None:
    faults = Faults.parse("503=0.2,drop_after=0.1,slow=0.1:0.5,malformed=0.5,throttle=0.1:2")
    assert _plans(7, faults) == _plans(7, faults)
    assert _plans(7, faults) != _plans(8, faults)


def test_every_kind_is_drawn_at_about_its_probability() -> None:
    faults = Faults.parse(
        "500=0.1,502=0.1,503=0.1,504=0.1,drop_before=0.1,drop_after=0.1,throttle=0.1"
    )
    kinds = [kind for kind, _, _ in _plans(1, faults, 7000)]
    for kind in (
        FaultKind.ERROR_500,
        FaultKind.ERROR_504,
        FaultKind.THROTTLE,
        FaultKind.DROP_AFTER,
    ):
        assert 550 < kinds.count(kind) < 850, kind
    assert 1850 < kinds.count(None) < 2350


def test_malformed_bodies_come_only_with_5xx_and_in_both_forms() -> None:
    plans = _plans(3, Faults.parse("503=0.5,throttle=0.5,malformed=1"), 400)
    assert {malformed for kind, _, malformed in plans if kind is FaultKind.THROTTLE} == {None}
    assert {malformed for kind, _, malformed in plans if kind is FaultKind.ERROR_503} == {
        Malformed.HTML,
        Malformed.TRUNCATED_JSON,
    }


def test_reconfiguring_keeps_the_generator_unless_reseeded() -> None:
    injector = FaultInjector(Faults(error_503=0.5), seed=5)
    first = [injector.plan().kind for _ in range(20)]
    assert injector.configure(NO_FAULTS, seed=5) == Faults(error_503=0.5)
    injector.configure(Faults(error_503=0.5))
    assert [injector.plan().kind for _ in range(20)] == first


# -- each fault, as an aiohttp client meets it ----------------------------------------------------


@pytest.fixture
async def sandbox() -> AsyncIterator[KanalSandbox]:
    async with KanalSandbox(rate_limit=None) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def _post(
    session: aiohttp.ClientSession, sandbox: KanalSandbox, seconds: float | None = None
) -> tuple[int, bytes, str]:
    url = f"{sandbox.base_url}/stores/1/customers"
    async with session.post(
        url,
        data=orjson.dumps(CUSTOMER),
        headers=HEADERS,
        timeout=aiohttp.ClientTimeout(total=seconds),
    ) as response:
        return response.status, await response.read(), response.headers.get("Content-Type", "")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("spec", "status", "body"),
    [
        ("500=1", 500, {"message": "Server Error"}),
        ("502=1", 502, {"message": "Bad Gateway"}),
        ("503=1", 503, {"message": "Service Unavailable"}),
        ("504=1", 504, {"message": "Gateway Timeout"}),
    ],
)
async def test_injected_5xx_writes_nothing(
    sandbox: KanalSandbox, session: aiohttp.ClientSession, spec: str, status: int, body: Any
) -> None:
    sandbox.set_faults(spec)
    answer_status, raw, content_type = await _post(session, sandbox)
    assert (answer_status, orjson.loads(raw), content_type) == (status, body, "application/json")
    assert sandbox.writes(1, "customers", "CUST-1") == 0
    assert sandbox.stats.faults == {spec[:3]: 1}


@pytest.mark.anyio
async def test_malformed_5xx_bodies_are_not_json(
    sandbox: KanalSandbox, session: aiohttp.ClientSession
) -> None:
    sandbox.set_faults("502=1,malformed=1")
    seen = set()
    for _ in range(12):
        status, raw, content_type = await _post(session, sandbox)
        assert status == 502
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw)
        seen.add(content_type.split(";")[0])
    assert seen == {"text/html", "application/json"}
    assert sandbox.stats.faults == {"502": 12, "malformed": 12}


@pytest.mark.anyio
async def test_throttle_answers_a_spurious_429(
    sandbox: KanalSandbox, session: aiohttp.ClientSession
) -> None:
    sandbox.set_faults("throttle=1:3")
    url = f"{sandbox.base_url}/stores/1/customers"
    async with session.post(url, data=orjson.dumps(CUSTOMER), headers=HEADERS) as response:
        assert response.status == 429
        assert await response.json() == {"message": "Too Many Attempts."}
        assert response.headers["Retry-After"] == "3"
        assert "X-RateLimit-Reset" in response.headers
    assert sandbox.records(1, "customers") == {}
    assert sandbox.stats.rate_limited == 0
    assert sandbox.stats.faults == {"throttle": 1}


@pytest.mark.anyio
async def test_drop_before_is_a_disconnect_and_writes_nothing(
    sandbox: KanalSandbox, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.set_faults("drop_before=1")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _post(session, sandbox)
    assert sandbox.writes(1, "customers", "CUST-1") == 0
    assert sandbox.stats.faults == {"drop_before": 1}
    assert sandbox.stats.statuses == {}
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


@pytest.mark.anyio
async def test_drop_after_stores_the_write_but_the_client_sees_a_disconnect(
    sandbox: KanalSandbox, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with sandbox.injecting("drop_after=1"):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await _post(session, sandbox)
        assert sandbox.writes(1, "customers", "CUST-1") == 1
    assert sandbox.faults == NO_FAULTS
    # The client's retry of the same upsert finds the record: 200, still one record.
    status, _, _ = await _post(session, sandbox)
    assert status == 200
    assert list(sandbox.records(1, "customers")) == ["CUST-1"]
    assert sandbox.writes(1, "customers", "CUST-1") == 2
    assert sandbox.stats.faults == {"drop_after": 1}
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


@pytest.mark.anyio
async def test_slow_answers_outlast_a_short_client_timeout(
    sandbox: KanalSandbox, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.set_faults("slow=1:0.4")
    with pytest.raises(TimeoutError):
        await _post(session, sandbox, seconds=0.1)
    # The server carries on after the client gave up, as a real one does: the write lands.
    for _ in range(60):
        if sandbox.writes(1, "customers", "CUST-1"):
            break
        await anyio.sleep(0.05)
    assert sandbox.writes(1, "customers", "CUST-1") == 1
    assert sandbox.stats.faults == {"slow": 1}
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


@pytest.mark.anyio
async def test_faults_never_touch_the_inspection_routes(
    sandbox: KanalSandbox, session: aiohttp.ClientSession
) -> None:
    sandbox.set_faults("drop_before=1")
    async with session.get(f"{sandbox.root_url}/_sandbox/stats") as response:
        assert response.status == 200
        assert (await response.json())["requests"] == 0
    async with session.get(f"{sandbox.root_url}/_sandbox/faults") as response:
        assert (await response.json())["spec"] == "drop_before=1"


@pytest.mark.anyio
async def test_a_seeded_sandbox_repeats_its_faults(session: aiohttp.ClientSession) -> None:
    async def statuses(seed: int) -> list[int]:
        faults = "503=0.3,500=0.1,throttle=0.2"
        async with KanalSandbox(rate_limit=None, faults=faults, seed=seed) as sandbox:
            return [(await _post(session, sandbox))[0] for _ in range(30)]

    first = await statuses(11)
    assert first == await statuses(11)
    assert {200, 201, 429, 500, 503} <= set(first)
    assert first != await statuses(12)
