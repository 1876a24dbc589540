"""Redis-backed pacing against a real ``redis-server`` on loopback.

The script-level tests give the Lua script its clock (``now``), so every time is exact; the
others run the limiter on Redis's own clock, against the toy sandbox's fixed window.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from typing import TYPE_CHECKING, Any

import pytest
import redis

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.core._errors import ConfigurationError
from shopbridge.core._pacing import PaceScope
from shopbridge.core._pacing_redis import RedisPacing, resolve_pacing, script_text
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.sansio._policy import RetryPolicy
from tests.core.toy import API_KEY, AsyncToy
from tests.core.toy_sandbox import ToySandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.redis_server import RedisServer

SCOPE = PaceScope(api="toy", base_url="http://127.0.0.1:1/toy", key="north", window=10.0)
PATIENT = RetryPolicy(max_attempts=6, deadline=120, backoff_base=0.05, backoff_max=0.5)


class Script:
    """The pacing script of one scope, run with a clock the test holds."""

    def __init__(self, client: redis.Redis, keys: tuple[str, str, str], **config: Any) -> None:
        self._client = client
        self._script = client.register_script(script_text())
        self._keys = keys
        self.reserve = str(config.get("reserve", 0))
        self.window = str(config.get("window", 10.0))
        self.assumed = "1" if config.get("assumed") else "0"
        self.lease = str(config.get("lease", 30.0))

    def _run(self, op: str, now: float, *args: str) -> list[str]:
        reply = self._script(
            keys=list(self._keys),
            args=[op, repr(now), self.reserve, self.window, self.assumed, *args],
        )
        return [part.decode() if isinstance(part, bytes) else str(part) for part in reply]

    def acquire(self, now: float) -> list[str]:
        return self._run("acquire", now, self.lease, "0.01")

    def take(self, now: float) -> tuple[int, float, str, str]:
        reply = self.acquire(now)
        assert reply[0] == "go", reply
        return int(reply[1]), float(reply[2]), reply[5], reply[6]

    def release(
        self,
        ticket: tuple[int, float, str, str],
        now: float,
        limit: int | None = None,
        remaining: int | None = None,
    ) -> None:
        seq, sent_at, generation, ahead = ticket
        self._run(
            "release",
            now,
            str(seq),
            repr(sent_at),
            generation,
            "" if limit is None else str(limit),
            "" if remaining is None else str(remaining),
            "",
            ahead,
        )

    def pause(self, seconds: float, now: float, sent_at: float | None = None) -> list[str]:
        return self._run("pause", now, repr(seconds), "" if sent_at is None else repr(sent_at))

    def state(self) -> dict[str, str]:
        raw = self._client.hgetall(self._keys[0])
        return {_text(key): _text(value) for key, value in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def script(client: redis.Redis, namespace: str) -> Script:
    return Script(client, RedisPacing("redis://x", namespace=namespace).keys(SCOPE))


# The script, on a clock the test holds


def test_the_first_request_goes_alone_until_its_answer(script: Script) -> None:
    first = script.take(100.0)
    assert script.acquire(100.0)[0] == "answer"
    script.release(first, 100.1, limit=5, remaining=4)
    assert script.acquire(100.1)[0] == "go"


def test_the_answer_with_limit_minus_one_anchors_the_window(script: Script) -> None:
    script.release(script.take(100.0), 100.1, limit=3, remaining=2)  # starts by 100.1
    for left in (1, 0):
        script.release(script.take(100.2), 100.3, limit=3, remaining=left)
    reply = script.acquire(100.4)
    assert reply[0] == "wait"
    assert float(reply[1]) == pytest.approx(100.1 + 10.0 - 100.4)


def test_out_of_order_answers_take_the_lowest_count_less_the_requests_out(
    script: Script,
) -> None:
    script.release(script.take(0.0), 0.0, limit=10, remaining=9)
    second, third = script.take(0.1), script.take(0.1)
    script.release(third, 0.2, limit=10, remaining=5)  # others spent 3; the second is out
    granted = 0
    while script.acquire(0.3)[0] == "go":
        granted += 1
    assert granted == 4  # 5 left less the second, not 5 (newest answer by send order)
    script.release(second, 0.4, limit=10, remaining=4)


def test_a_dead_process_lease_expires_and_frees_its_permit(
    client: redis.Redis, namespace: str
) -> None:
    script = Script(client, RedisPacing("redis://x", namespace=namespace).keys(SCOPE), lease=2.0)
    script.take(0.0)  # went alone, and its process died: never released
    assert script.acquire(1.0)[0] == "answer"
    assert script.acquire(2.5)[0] == "go"


def test_a_pause_is_seen_by_every_client(client: redis.Redis, namespace: str) -> None:
    keys = RedisPacing("redis://x", namespace=namespace).keys(SCOPE)
    one, other = Script(client, keys), Script(client, keys)
    one.release(one.take(0.0), 0.1, limit=10, remaining=9)
    one.pause(5.0, 0.2)
    reply = other.acquire(0.3)
    assert reply[0] == "wait"
    assert float(reply[1]) == pytest.approx(4.9)
    # After the pause, one request goes first, whoever sends it.
    assert other.acquire(5.3)[0] == "go"
    assert one.acquire(5.3)[0] == "answer"


def test_the_window_is_learned_from_a_probe_429(client: redis.Redis, namespace: str) -> None:
    keys = RedisPacing("redis://x", namespace=namespace).keys(SCOPE)
    script = Script(client, keys, window=60.0, assumed=True)
    now = 0.0
    for left in (2, 1, 0):
        script.release(script.take(now), now + 0.005, limit=3, remaining=left)
        now += 0.01
    probe = script.take(now)  # spent, the window only assumed: a probe goes, alone
    assert script.acquire(now)[0] == "answer"
    script.release(probe, now + 0.005, limit=3, remaining=0)
    script.pause(1.0, now + 0.005, sent_at=probe[1])
    state = script.state()
    assert (float(state["window"]), state["learned"]) == (1.0, "1")


def test_a_client_never_seeing_a_window_begin_learns_from_two_ends(
    client: redis.Redis, namespace: str
) -> None:
    keys = RedisPacing("redis://x", namespace=namespace).keys(SCOPE)
    script = Script(client, keys, window=60.0, assumed=True)
    now = 0.0
    for _ in range(2):  # another client begins each window: counts from limit - 2 down
        for left in (3, 2, 1, 0):
            script.release(script.take(now), now + 0.005, limit=5, remaining=left)
            now += 0.01
        refused = script.take(now)
        script.release(refused, now + 0.01, limit=5, remaining=0)
        script.pause(2.0, now + 0.01, sent_at=refused[1])
        now += 2.02
    state = script.state()
    assert (float(state["window"]), state["learned"]) == (3.0, "1")


def test_a_length_unknown_after_every_probe_is_probed_again_not_waited_out(
    client: redis.Redis, namespace: str
) -> None:
    keys = RedisPacing("redis://x", namespace=namespace).keys(SCOPE)
    script = Script(client, keys, window=60.0, assumed=True)
    now = 0.0
    for left in (4, 3, 2, 1, 0):
        script.release(script.take(now), now + 0.005, limit=5, remaining=left)
        now += 0.01
    waits = []
    for _ in range(3):  # probes counted just before the end: 200, remaining 0, nothing learnt
        reply = script.acquire(now)
        if reply[0] == "wait":
            waits.append(float(reply[1]))
            now += float(reply[1])
            reply = script.acquire(now)
        assert reply[0] == "go", reply
        probe = (int(reply[1]), float(reply[2]), reply[5], reply[6])
        script.release(probe, now + 0.01, limit=5, remaining=0)
        now += 0.02
    assert script.state()["learned"] == "0"
    # Spaced 1, 2, then 4 s after the last probe: never the assumed minute.
    verdict, wait = script.acquire(now)[:2]
    assert verdict == "wait"
    assert [round(w + 0.02, 2) for w in waits] == [1.0, 2.0]
    assert float(wait) == pytest.approx(4.0 - 0.02)


def test_tokens_held_back_by_permits_in_flight_are_looked_for_again_soon(
    client: redis.Redis, namespace: str
) -> None:
    # Four processes' permits in flight: the count read so far leaves no token for a fifth,
    # yet the window is not spent by our own count. Their answers (which no other process
    # hears of) may free tokens: look again after the poll, not at the window's end.
    keys = RedisPacing("redis://x", namespace=namespace).keys(SCOPE)
    script = Script(client, keys, window=10.0)
    script.release(script.take(0.0), 0.01, limit=10, remaining=9)
    out = [script.take(0.02) for _ in range(4)]
    script.release(script.take(0.03), 0.04, limit=10, remaining=4)
    verdict, wait = script.acquire(0.05)[:2]
    assert (verdict, float(wait)) == ("answer", 0.01)
    for ticket in out:  # counted after all: the window had room for them and more
        script.release(ticket, 0.06, limit=10, remaining=4)
    assert script.acquire(0.07)[0] == "go"


def test_a_reserve_leaves_requests_of_each_window_to_others(
    client: redis.Redis, namespace: str
) -> None:
    keys = RedisPacing("redis://x", namespace=namespace).keys(SCOPE)
    script = Script(client, keys, reserve=3)
    script.release(script.take(0.0), 0.0, limit=10, remaining=9)
    granted = 0
    while script.acquire(0.1)[0] == "go":
        granted += 1
    assert granted == 6  # 9 left, 3 of them kept for the shop's own integrations


def test_a_restart_that_lost_the_state_rejoins_from_the_next_answer(
    script: Script, client: redis.Redis
) -> None:
    old = script.take(0.0)
    script.release(old, 0.0, limit=10, remaining=9)
    stale = script.take(0.1)
    for key in script._keys:
        client.delete(key)  # Redis restarted without persistence
    fresh = script.take(0.2)  # a new state: the first request goes alone
    script.release(stale, 0.3, limit=10, remaining=3)  # joins the running window
    script.release(fresh, 0.3, limit=10, remaining=2)
    granted = 0
    while script.acquire(0.4)[0] == "go":
        granted += 1
    assert granted == 2


# The backend object


def test_keys_share_one_hash_tag_and_never_name_a_credential() -> None:
    keys = RedisPacing("redis://x").keys(SCOPE)
    tags = {key[key.index("{") : key.index("}") + 1] for key in keys}
    assert len(tags) == 1
    assert all(API_KEY not in key and "north" not in key for key in keys)


def test_the_backend_pickles_as_its_configuration_and_hides_the_password() -> None:
    pacing = RedisPacing("redis://:s3cret-pass@127.0.0.1:6379/0", namespace="etl", reserve=2)
    assert pickle.loads(pickle.dumps(pacing)) == pacing  # noqa: S301 - our own bytes
    assert "s3cret-pass" not in repr(pacing)
    assert "***" in repr(pacing)


def test_pacing_options_resolve_to_backends() -> None:
    assert resolve_pacing(None) is None
    assert isinstance(resolve_pacing("redis://127.0.0.1:6379"), RedisPacing)
    with pytest.raises(ConfigurationError, match="redis://"):
        RedisPacing("http://127.0.0.1:6379")
    with pytest.raises(ConfigurationError, match="pacing must be"):
        resolve_pacing(42)


# The limiter, on Redis's clock, against a real server


@pytest.mark.anyio
@pytest.mark.slow
async def test_clients_with_equal_backends_share_one_limiter_and_meet_no_429(
    redis_url: str, namespace: str
) -> None:
    with ToySandbox(rate_limit=RateLimit(limit=30, window=1)).running_in_thread() as sandbox:
        backends = [RedisPacing(redis_url, namespace=namespace) for _ in range(2)]
        async with (
            AsyncToy(API_KEY, "north", base_url=sandbox.base_url, pacing=backends[0]) as one,
            AsyncToy(API_KEY, "north", base_url=sandbox.base_url, pacing=backends[1]) as two,
        ):
            assert one._engine.pacer.limiter("north") is two._engine.pacer.limiter("north")
            reports = await asyncio.gather(
                one.items.push_many(items(50, "a"), concurrency=8),
                two.items.push_many(items(50, "b"), concurrency=8),
            )
        # The window was only assumed: one probe's 429 may teach it.
        assert sandbox.stats.rate_limited <= 1
    assert all(report.ok for report in reports), [report.summary() for report in reports]


def items(count: int, prefix: str) -> list[dict[str, str]]:
    return [{"id": f"{prefix}-{n}", "name": f"{prefix} {n}"} for n in range(count)]


@pytest.mark.anyio
@pytest.mark.slow
async def test_redis_killed_mid_run_and_restarted_loses_nothing(
    redis_server: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    pacing = RedisPacing(redis_server.url, namespace=namespace, retry_interval=0.2)
    with ToySandbox(rate_limit=RateLimit(limit=30, window=1)).running_in_thread() as sandbox:
        async with AsyncToy(
            API_KEY, "north", base_url=sandbox.base_url, retry=PATIENT, pacing=pacing
        ) as toy:
            push = asyncio.create_task(toy.items.push_many(items(90, "i"), concurrency=8))
            await asyncio.sleep(0.6)
            with caplog.at_level(logging.INFO, logger="shopbridge"):
                redis_server.kill()
                await asyncio.sleep(0.8)
                redis_server.start()
                report = await asyncio.wait_for(push, 60)
    assert report.ok, report.summary()
    assert report.counts[BulkOutcome.CREATED] == 90
    assert report.paced_alone > 0
    assert "paced alone for" in report.summary()
    outages = [r for r in caplog.records if "did not answer" in r.getMessage()]
    recoveries = [r for r in caplog.records if "answers again" in r.getMessage()]
    assert [r.levelno for r in outages] == [logging.WARNING]
    assert [r.levelno for r in recoveries] == [logging.INFO]
