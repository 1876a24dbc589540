"""The body read is bounded: a huge answer, plain or a gzip bomb, is refused, not held in memory.

The hostile server runs in this process; the client in a child process, which measures its own
peak resident memory (``ru_maxrss``) before and after the request.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from shopbridge.core.sansio._http_rules import GENERIC_HTTP_RULES, NETWORK_RULES
from shopbridge.core.sansio._outcome import FailureKind, RequestFacts, TransportFailure
from shopbridge.core.sansio._table import DecisionTable
from shopbridge.core.sansio._verdict import Action
from tests.hostile import HostileServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MIB = 1024 * 1024
HUGE = 200 * MIB
BOMB = 500 * MIB
RSS_BOUND = 150 * MIB
"""Peak memory the client may add while refusing an answer of 200 MB (or a bomb of 500 MB)."""

CHILD = """
import asyncio, json, resource, sys
from yarl import URL
from shopbridge.core._transport import Transport, TransportError

async def main(base_url, path, max_body):
    options = {} if max_body is None else {"max_body": max_body}
    transport = Transport(base_url=URL(base_url), headers={}, connect_timeout=5, **options)
    await transport.open()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        raw = await transport.request("GET", path, body=None, time_limit=60)
        result = {"status": raw.status, "size": len(raw.body)}
    except TransportError as exc:
        result = {"failure": exc.failure.kind.value, "detail": exc.failure.detail}
    await transport.close()
    result["grew"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    print(json.dumps(result))

max_body = None if sys.argv[3] == "default" else int(sys.argv[3])
asyncio.run(main(sys.argv[1], sys.argv[2], max_body))
"""


def gzip_of_zeros(size: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MIB)
    for _ in range(size // MIB):
        yield compressor.compress(block)
    yield compressor.flush()


BOMB_BODY = b"".join(gzip_of_zeros(BOMB))


async def hostile(request: web.Request) -> web.StreamResponse:
    if request.path == "/bomb":
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return web.Response(body=BOMB_BODY, headers=headers)
    size = int(request.query.get("size", HUGE))
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    if request.query.get("length"):
        response.content_length = size
    await response.prepare(request)
    block = b" " * MIB
    try:
        for _ in range(size // MIB):
            await response.write(block)
    except (ConnectionError, RuntimeError):
        pass  # the client stopped reading, as it should
    return response


def fetch(base_url: str, path: str, max_body: int | None = None) -> dict[str, object]:
    process = subprocess.run(  # noqa: S603 - this Python, a fixed script, loopback arguments
        [sys.executable, "-c", CHILD, base_url, path, str(max_body or "default")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(process.stdout)
    return result


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer(hostile) as running:
        yield running


@pytest.mark.parametrize("path", ["/huge", "/huge?length=1", "/bomb"])
def test_an_answer_beyond_max_body_is_refused_with_bounded_memory(
    server: HostileServer, path: str
) -> None:
    result = fetch(server.base_url, path)
    assert result["failure"] == FailureKind.ANSWER_TOO_LARGE.value, result
    grew = result["grew"]
    assert isinstance(grew, int)
    assert grew < RSS_BOUND, f"the client grew by {grew / MIB:.0f} MiB"


def test_max_body_is_configurable_and_an_answer_within_it_is_read_whole(
    server: HostileServer,
) -> None:
    within = fetch(server.base_url, f"/huge?size={4 * MIB}", 5 * MIB)
    assert (within["status"], within["size"]) == (200, 4 * MIB)
    beyond = fetch(server.base_url, f"/huge?size={6 * MIB}", 5 * MIB)
    assert beyond["failure"] == FailureKind.ANSWER_TOO_LARGE.value


def test_an_answer_too_large_fails_without_a_retry() -> None:
    table = DecisionTable(name="toy", rules=(*NETWORK_RULES, *GENERIC_HTTP_RULES))
    failure = TransportFailure(kind=FailureKind.ANSWER_TOO_LARGE, detail="over 64 MiB")
    for idempotent in (True, False):
        verdict = table.decide(failure, RequestFacts(method="GET", idempotent=idempotent), now=0)
        assert verdict.action is Action.FAIL
        assert verdict.rule == "net-answer-too-large"
