"""The HTTP transport: one aiohttp session, and the one place aiohttp's errors are mapped.

Every aiohttp/asyncio failure becomes a `TransportError` carrying a `TransportFailure` of one
`FailureKind`, most specific first (DNS and TLS before "connect", connect timeouts before read
timeouts). Redirects are never followed. Headers are never logged and never put in an error.
"""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

import aiohttp
from attrs import define
from multidict import CIMultiDictProxy
from yarl import URL

from shopbridge.core._errors import ConfigurationError
from shopbridge.core.sansio._outcome import FailureKind, TransportFailure
from shopbridge.core.sansio._urls import NOT_A_URL, base_url_problem

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping


__all__ = [
    "DEFAULT_MAX_BODY",
    "RawResponse",
    "Transport",
    "TransportError",
    "check_base_url",
    "user_agent",
]

_CONNECT_MARGIN = 0.05
"""Seconds by which the connect limit ends before the attempt's total limit."""
_URL_CACHE_SIZE = 1024
DEFAULT_MAX_BODY = 64 * 1024 * 1024
"""The largest answer body read, decompressed, in bytes (64 MiB): far above any answer either
API documents (a page of 250 records is well under 1 MiB), and a bound on what a hostile or
broken server can make the client hold."""
_CHUNK = 256 * 1024
_TIMEOUT_CACHE_SIZE = 8


class TransportError(Exception):
    """No usable response arrived; `failure` says why."""

    def __init__(self, failure: TransportFailure) -> None:
        super().__init__(f"{failure.kind.value}: {failure.detail}")
        self.failure = failure

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.failure,))


@define
class RawResponse:
    """A response as received: status, headers (case-insensitive) and the whole body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


def user_agent(version: str) -> str:
    """The ``User-Agent`` shopbridge sends."""
    return (
        f"shopbridge/{version} aiohttp/{aiohttp.__version__} "
        f"{platform.python_implementation()}/{platform.python_version()}"
    )


def check_base_url(base_url: str, *, allow_insecure_http: bool) -> URL:
    """Validate a base URL and return it without a trailing slash.

    Raises:
        ConfigurationError: it is not an absolute http(s) URL, it carries credentials, a query
            or a fragment, or it is plain ``http://`` to a host other than this machine without
            ``allow_insecure_http=True`` (the rules of `shopbridge.core.sansio._urls`).
    """
    try:
        url = URL(base_url)
    except (TypeError, ValueError):
        raise ConfigurationError(NOT_A_URL) from None
    problem = base_url_problem(
        scheme=url.scheme,
        host=url.host,
        has_credentials=url.user is not None or url.password is not None,
        has_query_or_fragment=bool(url.query_string or url.fragment),
        shown=str(url.with_query(None).with_fragment(None)),
        allow_insecure_http=allow_insecure_http,
    )
    if problem is not None:
        raise ConfigurationError(problem)
    return url.with_path(url.path.rstrip("/"))


def _failure(exc: Exception) -> TransportFailure | None:
    """The `TransportFailure` an aiohttp/asyncio exception means, most specific first.

    ``None`` for anything else, which is not the network's doing and propagates as it is.
    `asyncio.CancelledError` never gets here on purpose: a cancelled request (Ctrl-C in the
    blocking client, a task group tearing down) must stop, not be retried as if the network
    had failed.
    """
    kind: FailureKind
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        kind, detail = FailureKind.DNS, f"cannot resolve {exc.host}"
    elif isinstance(exc, aiohttp.ClientSSLError):
        kind, detail = FailureKind.TLS, f"TLS failed with {exc.host}:{exc.port}"
    elif isinstance(exc, aiohttp.ConnectionTimeoutError):
        kind, detail = FailureKind.CONNECT_TIMEOUT, "connect timeout"
    elif isinstance(exc, aiohttp.ClientConnectorError):
        kind, detail = FailureKind.CONNECT, f"cannot connect to {exc.host}:{exc.port}"
    elif isinstance(exc, aiohttp.SocketTimeoutError | aiohttp.ServerTimeoutError | TimeoutError):
        # Connecting has its own, earlier limit (ConnectionTimeoutError, above): a timeout
        # here came after the request was sent.
        kind, detail = FailureKind.READ_TIMEOUT, "no answer in time"
    elif isinstance(exc, aiohttp.ServerDisconnectedError):
        kind, detail = FailureKind.DISCONNECTED, "server disconnected"
    elif isinstance(exc, aiohttp.ClientResponseError):
        kind, detail = FailureKind.DISCONNECTED, "malformed response"
    elif isinstance(exc, aiohttp.ClientPayloadError):
        kind, detail = FailureKind.DISCONNECTED, "response cut short"
    elif isinstance(exc, aiohttp.ClientConnectionError | ConnectionError):
        kind, detail = FailureKind.DISCONNECTED, type(exc).__name__
    else:
        return None
    return TransportFailure(kind=kind, detail=detail)


async def _read_body(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, decompressed, read a chunk at a time and never beyond `limit` bytes.

    Raises:
        TransportError: ``ANSWER_TOO_LARGE``, as soon as the body is known to exceed `limit`
            (by its ``Content-Length``, or once that many bytes were read).
    """
    # A compressed length past the limit inflates past it too: refused before reading.
    length = response.content_length
    if length is None or length <= limit:
        content = response.content
        if content.is_eof():
            # The whole body came with the headers (a small answer usually does): taken as
            # it is, without an await. Already held, it costs nothing more to take; one past
            # the limit is refused all the same.
            whole = content.read_nowait()
            if len(whole) <= limit:
                return whole
            raise TransportError(_too_large(limit))
        body = bytearray()
        # aiohttp decompresses into the stream a bounded chunk at a time (its decompressor's
        # max_length), so a gzip bomb is counted as it inflates, never inflated whole.
        async for chunk in response.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > limit:
                break
        else:
            return bytes(body)
    raise TransportError(_too_large(limit))


def _too_large(limit: int) -> TransportFailure:
    detail = f"the answer is larger than max_body ({limit} bytes)"
    return TransportFailure(kind=FailureKind.ANSWER_TOO_LARGE, detail=detail)


class Transport:
    """One aiohttp session for one base URL. Open it inside the event loop that will use it.

    Args:
        base_url: the API's base URL, already checked by `check_base_url`.
        headers: headers sent with every request (credentials included; never logged).
        connect_timeout: seconds to establish a connection.
        max_connections: the connection pool's size.
        ssl_context: a custom SSL context (corporate CA, client certificate), or ``None``.
        trust_env: read proxies and ``.netrc`` from the environment, as aiohttp does.
        max_body: the largest answer body read, decompressed, in bytes; a larger one is a
            `FailureKind.ANSWER_TOO_LARGE` failure.
    """

    def __init__(
        self,
        *,
        base_url: URL,
        headers: Mapping[str, str],
        connect_timeout: float,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
        trust_env: bool = False,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        if max_body < 1:
            msg = f"max_body must be a positive number of bytes, got {max_body!r}"
            raise ConfigurationError(msg)
        self._max_body = max_body
        self._base = str(base_url)
        self._headers = dict(headers)
        self._connect_timeout = connect_timeout
        self._max_connections = max_connections
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, URL] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def __repr__(self) -> str:
        return f"Transport(base_url={self._base!r})"

    def _timeout(self, time_limit: float) -> aiohttp.ClientTimeout:
        # Opening a connection has its own limit, which always ends before the attempt's
        # total: a request that timed out before it was sent is a connect timeout, never
        # mistaken for an ambiguous read timeout.
        margin = min(_CONNECT_MARGIN, time_limit / 10)
        timeout = aiohttp.ClientTimeout(
            total=time_limit, sock_connect=min(self._connect_timeout, time_limit - margin)
        )
        if len(self._timeouts) < _TIMEOUT_CACHE_SIZE:
            # Most attempts use the policy's attempt_timeout; near a deadline each differs.
            self._timeouts[time_limit] = timeout
        return timeout

    @property
    def is_open(self) -> bool:
        """Whether the session is open."""
        return self._session is not None and not self._session.closed

    async def open(self) -> None:
        """Open the session on the running event loop (idempotent)."""
        if self.is_open:
            return
        connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            trust_env=self._trust_env,
            raise_for_status=False,
            auto_decompress=True,
        )
        if "_retry_connection" in aiohttp.ClientSession.ATTRS:
            # aiohttp silently resends PUT and DELETE once after a disconnect, with no public
            # switch (aio-libs/aiohttp#10790): one attempt would be two requests, uncounted,
            # and never classified. Every resend goes through the decision table instead.
            self._session._retry_connection = False

    async def close(self) -> None:
        """Close the session and its connections (idempotent)."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None,
        time_limit: float,
        headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        """Send one request and read the whole answer.

        Args:
            method: the HTTP method.
            path: the path below the base URL, already percent-encoded.
            body: the body, already encoded (JSON, or multipart), or ``None``.
            time_limit: seconds for the whole attempt, connection included.
            headers: extra headers for this request.

        Raises:
            TransportError: no usable response arrived.
        """
        if self._session is None:
            await self.open()
        assert self._session is not None  # noqa: S101 - open() just set it
        url = self._urls.get(path)
        if url is None:
            url = URL(self._base + path, encoded=True)
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()  # item paths (one per record id) must not grow it forever
            self._urls[path] = url
        client_timeout = self._timeouts.get(time_limit)
        if client_timeout is None:
            client_timeout = self._timeout(time_limit)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=client_timeout,
                allow_redirects=False,
            ) as response:
                payload = await _read_body(response, self._max_body)
        except Exception as exc:  # the one place aiohttp's errors are mapped
            failure = _failure(exc)
            if failure is None:
                raise
            raise TransportError(failure) from None
        return RawResponse(response.status, response.headers, payload)
