"""The transport: base-URL checks, and error mapping against real endpoints on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from shopbridge.core._errors import ConfigurationError
from shopbridge.core._transport import (
    RawResponse,
    Transport,
    TransportError,
    check_base_url,
)
from shopbridge.core.sansio._outcome import FailureKind

# check_base_url (its rules: tests/core/sansio/test_urls.py)


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.getkanal.com/api/v1", "https://api.getkanal.com/api/v1"),
        ("https://api.getkanal.com/api/v1/", "https://api.getkanal.com/api/v1"),
        ("https://api.getkanal.com/api/v1//", "https://api.getkanal.com/api/v1"),
        ("https://api.getkanal.com/", "https://api.getkanal.com"),
        ("https://api.getkanal.com:8443/v1", "https://api.getkanal.com:8443/v1"),
        ("http://127.0.0.1:8080/api/v1/", "http://127.0.0.1:8080/api/v1"),
        ("http://127.0.0.2:8080", "http://127.0.0.2:8080"),
        ("http://[::1]:8080/api", "http://[::1]:8080/api"),
        ("http://localhost:8080/api", "http://localhost:8080/api"),
    ],
)
def test_base_url_accepted(base_url: str, expected: str) -> None:
    assert str(check_base_url(base_url, allow_insecure_http=False)) == expected


def test_plain_http_to_another_host_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError) as raised:
        check_base_url("http://api.getkanal.com/api/v1", allow_insecure_http=False)
    message = str(raised.value)
    assert "plain http to api.getkanal.com" in message
    assert "https://" in message
    assert "allow_insecure_http=True" in message


@pytest.mark.parametrize(
    "base_url", ["http://api.getkanal.com/api/v1", "http://10.0.0.7:8080", "http://localhost.evil"]
)
def test_plain_http_to_another_host_is_allowed_when_asked(base_url: str) -> None:
    assert check_base_url(base_url, allow_insecure_http=True).scheme == "http"


def test_a_name_that_merely_starts_like_localhost_is_not_loopback() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        check_base_url("http://localhost.evil.example/api", allow_insecure_http=False)


def test_credentials_in_the_base_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigurationError, match="pass the key as api_key") as raised:
        check_base_url("https://user:hunter2@api.getkanal.com/api/v1", allow_insecure_http=False)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    "base_url",
    ["https://api.getkanal.com/api/v1?key=abc", "https://api.getkanal.com/api/v1#top"],
)
def test_a_query_or_fragment_is_refused(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="must not have a query or fragment"):
        check_base_url(base_url, allow_insecure_http=False)


@pytest.mark.parametrize(
    "base_url",
    [
        "/api/v1",
        "api.getkanal.com/api/v1",
        "ftp://api.getkanal.com/api/v1",
        "https://",
        "",
        "mailto:ops@example.com",
    ],
)
def test_a_base_url_that_is_not_absolute_http_is_refused(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"must be an absolute http\(s\) URL, such as"):
        check_base_url(base_url, allow_insecure_http=True)


# Real endpoints on loopback

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, asyncio.Event], Awaitable[None]]


@contextlib.asynccontextmanager
async def tcp_server(handler: Handler) -> AsyncIterator[int]:
    """A plain TCP server on 127.0.0.1; yields its port and closes every connection on exit."""
    stop = asyncio.Event()
    connections: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await handler(reader, writer, stop)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        stop.set()
        server.close()
        await server.wait_closed()
        await asyncio.gather(*connections, return_exceptions=True)


@contextlib.asynccontextmanager
async def opened(base_url: str) -> AsyncIterator[Transport]:
    transport = Transport(
        base_url=check_base_url(base_url, allow_insecure_http=False),
        headers={"Accept": "application/json", "Authorization": "Bearer test-key"},
        connect_timeout=2.0,
    )
    await transport.open()
    try:
        yield transport
    finally:
        await transport.close()
        assert not transport.is_open


async def failure_kind(base_url: str, *, time_limit: float = 2.0) -> FailureKind:
    async with opened(base_url) as transport:
        with pytest.raises(TransportError) as raised:
            await transport.request("POST", "/orders", body=b"{}", time_limit=time_limit)
    return raised.value.failure.kind


async def read_request(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


@pytest.mark.anyio
async def test_connection_refused_is_connect() -> None:
    # Bound but not listening: connecting is refused, and no other process can take the port.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        assert await failure_kind(f"http://127.0.0.1:{port}") is FailureKind.CONNECT


def unanswered_port(stack: contextlib.ExitStack) -> int:
    """A port on 127.0.0.1 whose listen queue is full, so that a new connect never completes."""
    listener = stack.enter_context(socket.socket())
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    for _ in range(4):
        filler = stack.enter_context(socket.socket())
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
    with socket.socket() as probe:
        probe.settimeout(0.3)
        try:
            probe.connect(("127.0.0.1", port))
        except TimeoutError:
            return port
    pytest.skip("this kernel completes connects to a full listen queue; cannot stall one")


@pytest.mark.parametrize(
    ("time_limit", "connect_timeout"),
    [(2.0, 0.3), (0.3, 2.0), (0.3, 0.3)],
    ids=["connect-timeout-first", "time-limit-first", "equal"],
)
@pytest.mark.anyio
async def test_a_connect_that_never_completes_is_a_connect_timeout(
    time_limit: float, connect_timeout: float
) -> None:
    """Nothing was sent, so it is not ambiguous, whichever limit runs out first."""
    with contextlib.ExitStack() as stack:
        port = unanswered_port(stack)
        transport = Transport(
            base_url=check_base_url(f"http://127.0.0.1:{port}", allow_insecure_http=False),
            headers={},
            connect_timeout=connect_timeout,
        )
        try:
            with pytest.raises(TransportError) as raised:
                await transport.request("POST", "/orders", body=b"{}", time_limit=time_limit)
        finally:
            await transport.close()
    assert raised.value.failure.kind is FailureKind.CONNECT_TIMEOUT


@pytest.mark.anyio
async def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    async def never_answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
    ) -> None:
        await stop.wait()

    async with tcp_server(never_answer) as port:
        kind = await failure_kind(f"http://127.0.0.1:{port}", time_limit=0.3)
    assert kind is FailureKind.READ_TIMEOUT


@pytest.mark.anyio
async def test_a_server_that_stalls_inside_the_body_is_a_read_timeout() -> None:
    async def stall(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
    ) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{")
        await writer.drain()
        await stop.wait()

    async with tcp_server(stall) as port:
        kind = await failure_kind(f"http://127.0.0.1:{port}", time_limit=0.3)
    assert kind is FailureKind.READ_TIMEOUT


@pytest.mark.anyio
async def test_a_server_that_reads_the_request_and_hangs_up_is_disconnected() -> None:
    async def hang_up(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
    ) -> None:
        await read_request(reader)

    async with tcp_server(hang_up) as port:
        kind = await failure_kind(f"http://127.0.0.1:{port}")
    assert kind is FailureKind.DISCONNECTED


@pytest.mark.anyio
async def test_a_truncated_body_is_disconnected() -> None:
    async def truncate(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
    ) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"external_id": "ORD'
        )
        await writer.drain()

    async with tcp_server(truncate) as port:
        kind = await failure_kind(f"http://127.0.0.1:{port}")
    assert kind is FailureKind.DISCONNECTED


@pytest.mark.anyio
async def test_an_answer_that_is_not_http_is_an_ambiguous_transport_failure() -> None:
    """The request went out and no usable answer came back: the server may have applied it."""

    async def babble(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
    ) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()

    async with tcp_server(babble) as port, opened(f"http://127.0.0.1:{port}") as transport:
        with pytest.raises(TransportError) as raised:
            await transport.request("POST", "/orders", body=b"{}", time_limit=2.0)
    assert raised.value.failure.kind.ambiguous


@pytest.mark.anyio
async def test_tls_to_a_server_that_does_not_speak_it_is_tls() -> None:
    async def plain_text(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
    ) -> None:
        await reader.read(1024)  # the ClientHello
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with tcp_server(plain_text) as port:
        kind = await failure_kind(f"https://127.0.0.1:{port}")
    assert kind is FailureKind.TLS


@pytest.mark.anyio
async def test_a_name_that_does_not_resolve_is_dns() -> None:
    host = "shopbridge-test.invalid"  # RFC 2606: never resolves, and no server is asked for it
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.getaddrinfo(host, 443), timeout=1.0)
    except socket.gaierror:
        pass
    except TimeoutError:
        pytest.skip("the local resolver cannot answer for .invalid names offline within 1 s")
    else:
        pytest.skip("the local resolver answers for .invalid names (a hijacking resolver)")
    assert await failure_kind(f"https://{host}/api/v1") is FailureKind.DNS


# Answers from a tiny aiohttp.web app


@contextlib.asynccontextmanager
async def web_app(seen: list[web.Request] | None = None) -> AsyncIterator[str]:
    """An app on 127.0.0.1 answering by path; yields its base URL."""

    async def answer(request: web.Request) -> web.StreamResponse:
        if seen is not None:
            seen.append(request)
        body = await request.read()
        tail = request.match_info["tail"]
        if tail == "created":
            return web.json_response(
                {"external_id": "ORDER-1001", "echo": body.decode()},
                status=201,
                headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"},
            )
        if tail == "invalid":
            return web.json_response(
                {
                    "message": "The customer.phone field is required.",
                    "errors": {"customer.phone": ["The customer.phone field is required."]},
                },
                status=422,
            )
        if tail == "moved":
            raise web.HTTPFound("/api/v1/created")
        if tail == "deleted":
            return web.Response(status=204)
        return web.json_response({"path": request.raw_path})

    app = web.Application()
    app.router.add_route("*", "/api/v1/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/api/v1/"
    finally:
        await runner.cleanup()


@pytest.mark.anyio
async def test_a_2xx_answer_comes_back_whole() -> None:
    async with web_app() as base_url, opened(base_url) as transport:
        raw = await transport.request("POST", "/created", body=b'{"a": 1}', time_limit=5.0)
    assert isinstance(raw, RawResponse)
    assert raw.status == 201
    assert raw.headers["x-ratelimit-remaining"] == "59"
    assert raw.headers["X-RATELIMIT-LIMIT"] == "60"
    assert raw.headers["content-type"].startswith("application/json")
    assert json.loads(raw.body) == {"external_id": "ORDER-1001", "echo": '{"a": 1}'}


@pytest.mark.anyio
async def test_a_4xx_answer_is_a_response_not_an_error() -> None:
    async with web_app() as base_url, opened(base_url) as transport:
        raw = await transport.request("POST", "/invalid", body=b"{}", time_limit=5.0)
    assert raw.status == 422
    assert b"customer.phone" in raw.body


@pytest.mark.anyio
async def test_a_204_answer_has_an_empty_body() -> None:
    async with web_app() as base_url, opened(base_url) as transport:
        raw = await transport.request("DELETE", "/deleted", body=None, time_limit=5.0)
    assert (raw.status, raw.body) == (204, b"")


@pytest.mark.anyio
async def test_redirects_are_not_followed() -> None:
    seen: list[web.Request] = []
    async with web_app(seen) as base_url, opened(base_url) as transport:
        raw = await transport.request("POST", "/moved", body=b"{}", time_limit=5.0)
    assert raw.status == 302
    assert raw.headers["location"] == "/api/v1/created"
    assert [request.path for request in seen] == ["/api/v1/moved"]


@pytest.mark.anyio
async def test_the_session_headers_and_per_request_headers_are_sent() -> None:
    seen: list[web.Request] = []
    async with web_app(seen) as base_url, opened(base_url) as transport:
        await transport.request(
            "PATCH", "/x", body=b"{}", time_limit=5.0, headers={"Content-Type": "application/json"}
        )
    (request,) = seen
    assert request.method == "PATCH"
    assert request.headers["Authorization"] == "Bearer test-key"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "/stores/1/customers/a%2Fb",
        "/stores/1/customers/%2E%2E",
        "/stores/1/orders/%2E%2E%2F%2E%2E%2Fadmin",
        "/stores/1/orders/ORDER%201001",
    ],
)
@pytest.mark.anyio
async def test_an_encoded_path_reaches_the_server_untouched(path: str) -> None:
    seen: list[web.Request] = []
    async with web_app(seen) as base_url, opened(base_url) as transport:
        raw = await transport.request("PATCH", path, body=b"{}", time_limit=5.0)
    assert raw.status == 200
    assert [request.raw_path for request in seen] == [f"/api/v1{path}"]


@pytest.mark.anyio
async def test_open_and_close_are_idempotent() -> None:
    transport = Transport(
        base_url=check_base_url("http://127.0.0.1:9", allow_insecure_http=False),
        headers={},
        connect_timeout=1.0,
    )
    states = [transport.is_open]
    await transport.open()
    await transport.open()
    states.append(transport.is_open)
    await transport.close()
    await transport.close()
    states.append(transport.is_open)
    assert states == [False, True, False]
    assert "Authorization" not in repr(transport)


@pytest.mark.anyio
async def test_a_request_opens_the_session_itself() -> None:
    async with web_app() as base_url:
        transport = Transport(
            base_url=check_base_url(base_url, allow_insecure_http=False),
            headers={},
            connect_timeout=1.0,
        )
        try:
            raw = await transport.request("GET", "/deleted", body=None, time_limit=5.0)
            assert raw.status == 204
        finally:
            await transport.close()
