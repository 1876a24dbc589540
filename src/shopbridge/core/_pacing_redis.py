"""`RedisPacing`: one store's rate-limit window shared by every process and machine, in Redis.

The backend for many processes pushing into one store (an ETL outgrowing one machine): the
rules of the in-process `RateWindow` run as one atomic Lua script (``_pacing_window.lua``),
timed by Redis's own ``TIME``, on state every process shares: the lowest count seen in the
window, the window's start and learned length, the pause of a 429, the request going alone,
and the permits in flight as leases in sorted sets (a dead process's expire; counting is
O(log n)). Keys carry a hash tag (one Redis Cluster slot per store) and name the store by a
digest of its API, base URL and id: never the API key.

Redis down, slow or restarted never fails a request: every command has a short timeout and is
never retried by the client; on a failure the limiter paces alone (the in-process limiter) for
a moment, then tries Redis again. One WARNING per outage, one INFO on recovery, and the
seconds paced alone reach the bulk report. After a restart the state is empty and the next
answer rejoins the running window.

`RedisPacing` holds configuration only: it pickles to Dask and Spark workers, and connections
are made per event loop and again after a fork. The only module that imports redis (the
``redis`` extra: ``pip install 'shopbridge[redis]'``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import hashlib
import importlib.resources
import logging
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from attrs import define, field, frozen

from shopbridge.core._errors import ConfigurationError
from shopbridge.core._pacing import PaceScope, PacingTimeoutError, StoreLimiter
from shopbridge.core.sansio._window import Ticket

if TYPE_CHECKING:
    from shopbridge.core._pacing import PacingBackend
    from shopbridge.core.sansio._waits import RateLimitState

__all__ = ["RedisPacing", "RedisTicket", "resolve_pacing", "script_text"]

logger = logging.getLogger("shopbridge")


@functools.cache
def script_text() -> str:
    """The Lua script (read once, when a Redis limiter first connects)."""
    return importlib.resources.files("shopbridge.core").joinpath("_pacing_window.lua").read_text()


def _masked(url: str) -> str:
    """The URL without its password: safe for a repr and a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _check_url(_instance: object, _attribute: object, value: str) -> None:
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        msg = f"pacing needs a redis://, rediss:// or unix:// URL, got {_masked(value)!r}"
        raise ConfigurationError(msg)


@frozen
class RedisPacing:
    """Pacing shared in Redis by every process and machine that pushes into a store.

    Give it to a client (``AsyncKanal(key, store, pacing=RedisPacing("redis://..."))``) or
    to the CLI (``--pacing redis://...``). It holds configuration only and pickles.

    Args:
        url: the Redis URL (``redis://``, ``rediss://``, ``unix://``); its password never
            appears in a repr or a log line.
        namespace: the prefix of every key, to keep jobs (or tests) apart.
        reserve: requests of each window left to the merchant's other traffic.
        lease: seconds a permit in flight is held for a process that never gives it back
            (it died): more than an attempt may take.
        timeout: seconds one Redis command may take before the limiter paces alone.
        retry_interval: seconds of pacing alone before Redis is tried again.
        poll: seconds between two looks while another request goes alone.
    """

    url: str = field(validator=_check_url)
    namespace: str = field(default="shopbridge", kw_only=True)
    reserve: int = field(default=0, kw_only=True)
    lease: float = field(default=40.0, kw_only=True)
    timeout: float = field(default=0.5, kw_only=True)
    retry_interval: float = field(default=1.0, kw_only=True)
    poll: float = field(default=0.01, kw_only=True)

    def __attrs_post_init__(self) -> None:
        try:
            # Imported now (about 0.3 s), not at the first request: a push's clock, and every
            # process of a job starting together, must not wait for it.
            import redis.asyncio  # noqa: F401, PLC0415 - the optional extra
        except ImportError:
            msg = "RedisPacing needs redis-py: pip install 'shopbridge[redis]'"
            raise ConfigurationError(msg) from None
        if self.reserve < 0:
            msg = f"reserve must be 0 or more requests, got {self.reserve!r}"
            raise ConfigurationError(msg)

    def __repr__(self) -> str:
        return (
            f"RedisPacing({_masked(self.url)!r}, namespace={self.namespace!r}, "
            f"reserve={self.reserve})"
        )

    def limiter(self, scope: PaceScope) -> RedisLimiter:
        """The limiter of `scope`: one per process for equal configurations."""
        key = (self, scope.api, scope.base_url, scope.key)
        with _REGISTRY_LOCK:
            limiter = _LIMITERS.get(key)
            if limiter is None:
                limiter = RedisLimiter(self, scope)
                _LIMITERS[key] = limiter
            return limiter

    def keys(self, scope: PaceScope) -> tuple[str, str, str]:
        """The Redis keys of `scope`'s state: one hash tag, no credential."""
        digest = hashlib.sha256(scope.name.encode()).hexdigest()[:24]
        base = f"{self.namespace}:pacing:{{{digest}}}"
        return (f"{base}:state", f"{base}:leases", f"{base}:flight")


_REGISTRY_LOCK = threading.RLock()  # limiter() builds a limiter, which finds its health
_LIMITERS: weakref.WeakValueDictionary[tuple[RedisPacing, str, str, str], RedisLimiter] = (
    weakref.WeakValueDictionary()
)


@define
class RedisTicket(Ticket):
    """A permit from Redis: its send time is Redis's clock, its generation Redis's state's."""

    generation: str = ""


class _Health:
    """Whether one Redis answers, for every limiter of a configuration in this process."""

    def __init__(self, pacing: RedisPacing) -> None:
        self._pacing = pacing
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._alone = 0.0

    def alone(self, now: float) -> bool:
        """Whether to pace alone at `now` (Redis failed a moment ago)."""
        return self.down_since is not None and now < self._retry_at

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + self._pacing.retry_interval
            if self.down_since is not None:
                return
            self.down_since = now
        # The error's own words name the host and the errno (redis-py never puts the
        # password in them); the URL is masked.
        logger.warning(
            "Redis pacing at %s did not answer (%s: %s): pacing alone until it does",
            _masked(self._pacing.url),
            type(error).__name__,
            str(error)[:200],
        )

    def answered(self) -> None:
        if self.down_since is None:
            return
        now = time.monotonic()
        with self._lock:
            since: float | None = self.down_since
            self.down_since = None
            if since is None:  # another thread saw the recovery first
                return
            self._alone += now - since
        logger.info(
            "Redis pacing at %s answers again: paced alone for %.1f s",
            _masked(self._pacing.url),
            now - since,
        )

    @property
    def paced_alone(self) -> float:
        since = self.down_since
        return self._alone + (0.0 if since is None else time.monotonic() - since)


class _Connection:
    """One event loop's Redis client and script, for one configuration."""

    def __init__(self, pacing: RedisPacing) -> None:
        import redis.asyncio  # noqa: PLC0415 - the optional extra, loaded when first used
        from redis.asyncio.retry import Retry  # noqa: PLC0415
        from redis.backoff import NoBackoff  # noqa: PLC0415

        # No retries in the client: a Redis that does not answer is paced around, not
        # hammered (a retry storm from every process at once).
        self.client = redis.asyncio.Redis.from_url(
            pacing.url,
            socket_timeout=pacing.timeout,
            socket_connect_timeout=pacing.timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self.script = self.client.register_script(script_text())
        self.users = 0


_HEALTH: dict[RedisPacing, _Health] = {}
_CONNECTIONS: dict[
    tuple[RedisPacing, int], weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Connection]
] = {}


def _health(pacing: RedisPacing) -> _Health:
    with _REGISTRY_LOCK:
        health = _HEALTH.get(pacing)
        if health is None:
            health = _HEALTH[pacing] = _Health(pacing)
        return health


def _connection(pacing: RedisPacing) -> _Connection:
    loop = asyncio.get_running_loop()
    # Keyed by process too: a forked child never reuses its parent's sockets.
    with _REGISTRY_LOCK:
        per_loop = _CONNECTIONS.setdefault((pacing, os.getpid()), weakref.WeakKeyDictionary())
        connection = per_loop.get(loop)
        if connection is None:
            connection = per_loop[loop] = _Connection(pacing)
        return connection


def _closed_errors() -> tuple[type[BaseException], ...]:
    import redis.exceptions  # noqa: PLC0415 - the optional extra

    return (redis.exceptions.ConnectionError,)


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis.exceptions  # noqa: PLC0415 - the optional extra

    return (redis.exceptions.RedisError, OSError, TimeoutError, asyncio.TimeoutError)


class _Gate:
    """The tasks of one event loop waiting on one store: one looks, the others wait for it."""

    def __init__(self) -> None:
        self.looking = False
        self.opened = asyncio.Event()


class RedisLimiter:
    """The pacing of one store, its state in Redis; any event loop of this process."""

    def __init__(self, pacing: RedisPacing, scope: PaceScope) -> None:
        self._pacing = pacing
        self._keys = pacing.keys(scope)
        self._config = (str(pacing.reserve), f"{scope.window!r}", "1" if scope.assumed else "0")
        self._health = _health(pacing)
        # While Redis does not answer, this process paces alone, on the in-process rules.
        self._alone = StoreLimiter(window=scope.window, assumed=scope.assumed)
        self._window = scope.window
        self._learned = False
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = (
            weakref.WeakKeyDictionary()
        )
        self._outbox: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, collections.deque[tuple[Any, ...]]
        ] = weakref.WeakKeyDictionary()
        self._flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]]
        self._flushers = weakref.WeakKeyDictionary()
        self.commands = 0
        """Redis commands sent (scripts run), for the cost per record."""

    def __repr__(self) -> str:
        return f"RedisLimiter({self._keys[0]!r})"

    @property
    def window(self) -> float:
        """The window's length in seconds, as Redis said it last."""
        return self._window if not self._alone.learned else self._alone.window

    @property
    def learned(self) -> bool:
        """Whether the window's length was learned from the server's 429s."""
        return self._learned or self._alone.learned

    @property
    def paced_alone(self) -> float:
        """Seconds this process paced alone because Redis did not answer."""
        return self._health.paced_alone

    def attach(self) -> bool:
        """Count a client of this event loop, whose Redis connection it keeps open."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False  # built outside a loop: its connection is made on first use
        _connection(self._pacing).users += 1
        return True

    async def detach(self) -> None:
        """Forget a client of this event loop; the last one closes the loop's connection."""
        await self._flush_now()
        connection = _connection(self._pacing)
        connection.users -= 1
        if connection.users <= 0:
            with _REGISTRY_LOCK:
                per_loop = _CONNECTIONS.get((self._pacing, os.getpid()))
                if per_loop is not None:
                    per_loop.pop(asyncio.get_running_loop(), None)
            await connection.client.aclose()

    async def _run(self, *args: str) -> list[Any]:
        connection = _connection(self._pacing)
        self.commands += 1
        call = [args[0], "", *args[1:]]
        # Bounded by redis-py's own socket timeouts, which drop the connection cleanly (a
        # command cancelled halfway would leave half a command on the wire).
        try:
            reply = await connection.script(keys=self._keys, args=call)
        except _closed_errors():
            # A pooled connection the server closed (a restart, an idle timeout): dropped,
            # and the command sent once on a fresh one. A Redis that is down fails again.
            await connection.client.connection_pool.disconnect()
            self.commands += 1
            reply = await connection.script(keys=self._keys, args=call)
        return [part.decode() if isinstance(part, bytes) else part for part in reply]

    def take_now(self) -> Ticket | None:
        """Never at once: the shared window is asked over the network, by `acquire`."""
        return None

    async def acquire(self, *, deadline: float | None = None) -> Ticket:
        """Wait until the store may receive one more request, then take a permit.

        Raises:
            PacingTimeoutError: the wait would pass `deadline`.
        """
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        while True:
            got = await self._try(started, deadline)
            if not isinstance(got, float):
                return got
            # One task of this loop looks again after the wait; the others wait for it to
            # get a permit (the window is open again), then all ask at once: not a poll per
            # task while a request goes alone, nor one grant at a time when the window opens.
            gate = self._gates.get(loop)
            if gate is None:
                gate = self._gates.setdefault(loop, _Gate())
            if gate.looking:
                opened = gate.opened
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(got, self._pacing.poll) * 4):
                        await opened.wait()
                continue
            gate.looking = True
            try:
                while True:
                    await asyncio.sleep(got)
                    look = await self._try(started, deadline)
                    if not isinstance(look, float):
                        return look
                    got = look
            finally:
                gate.looking = False
                gate.opened.set()
                gate.opened = asyncio.Event()

    async def _try(self, started: float, deadline: float | None) -> Ticket | float:
        # One look at Redis: a permit, or how long to wait before the next look.
        now = time.monotonic()
        if self._health.alone(now):
            return await self._alone.acquire(deadline=deadline)
        if self._outbox.get(asyncio.get_running_loop()):
            await self._flush_now()  # our own answers first: they may free the window
        reserve, window, assumed = self._config
        lease, poll = f"{self._pacing.lease!r}", f"{self._pacing.poll!r}"
        try:
            reply = await self._run("acquire", reserve, window, assumed, lease, poll)
        except _redis_errors() as exc:
            await self._failed(exc)
            return await self._alone.acquire(deadline=deadline)
        self._health.answered()
        verdict = reply[0]
        if verdict == "go":
            self._window, self._learned = float(reply[3]), reply[4] == "1"
            return RedisTicket(
                seq=int(reply[1]),
                sent_at=float(reply[2]),
                waited=time.monotonic() - started,
                ahead=int(reply[6]),
                generation=reply[5],
            )
        wait = float(reply[1])
        if deadline is not None and verdict == "wait" and now + wait > deadline:
            raise PacingTimeoutError(wait)
        return wait

    async def _failed(self, error: BaseException) -> None:
        self._health.failed(error)
        connection = _connection(self._pacing)
        try:  # drop the pooled connections: a restarted Redis left them dead
            await connection.client.connection_pool.disconnect()
        except _redis_errors():  # pragma: no cover - closing a dead socket
            logger.debug("closing the dead Redis connections failed", exc_info=True)

    def release(self, ticket: Ticket, state: RateLimitState | None) -> None:
        """Give back a permit, with what the answer said (sent to Redis in the background)."""
        if not isinstance(ticket, RedisTicket):
            self._alone.release(ticket, state)
            return
        limit = remaining = reset = ""
        if state is not None:
            limit = "" if state.limit is None else str(state.limit)
            remaining = "" if state.remaining is None else str(state.remaining)
            reset = "" if state.reset_after is None else f"{state.reset_after!r}"
        self._send(
            "release",
            str(ticket.seq),
            f"{ticket.sent_at!r}",
            ticket.generation,
            limit,
            remaining,
            reset,
            str(ticket.ahead),
            answered=time.monotonic(),
        )

    def pause(self, seconds: float, *, sent_at: float | None = None) -> None:
        """Pause the store for every process (a 429's wait); `sent_at` is Redis's time."""
        self._alone.pause(seconds)
        self._send("pause", f"{seconds!r}", "" if sent_at is None else f"{sent_at!r}")

    def _send(self, op: str, *args: str, answered: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        outbox = self._outbox.get(loop)
        if outbox is None:
            outbox = self._outbox.setdefault(loop, collections.deque())
        outbox.append((op, time.monotonic(), answered, *args))
        flusher = self._flushers.get(loop)
        if flusher is None or flusher.done():
            self._flushers[loop] = loop.create_task(self._flush_now())

    async def _flush_now(self) -> None:
        outbox = self._outbox.get(asyncio.get_running_loop())
        reserve, window, assumed = self._config
        while outbox:
            now = time.monotonic()
            if self._health.alone(now):
                # Kept for when Redis answers again (a permit going alone must be given
                # back, or every process waits for its lease), unless its lease is over.
                while outbox and now - outbox[0][1] > self._pacing.lease:
                    outbox.popleft()
                return
            op, _, answered, *args = outbox.popleft()
            if answered is not None:
                args.append(f"{now - answered:.6f}")
            if op == "release" and outbox and outbox[0][0] == "pause":
                # A 429's answer and its pause, in one step: between the two, another task
                # would see the window spent with no end but the assumed one.
                _, _, _, seconds, sent_at = outbox.popleft()
                args += [seconds, sent_at]
            try:
                reply = await self._run(op, reserve, window, assumed, *args)
            except _redis_errors() as exc:
                await self._failed(exc)
                continue
            self._health.answered()
            self._window, self._learned = float(reply[1]), reply[2] == "1"


def resolve_pacing(value: object) -> PacingBackend | None:
    """A client's ``pacing=`` option as a backend: a backend, a Redis URL, or ``None``.

    Raises:
        ConfigurationError: `value` is neither.
    """
    from shopbridge.core._pacing import PacingBackend, process_pacing  # noqa: PLC0415

    if value is None or isinstance(value, PacingBackend):
        return value
    if isinstance(value, str):
        if value.strip().lower() in ("", "local"):
            return process_pacing()
        return RedisPacing(value.strip())
    msg = f"pacing must be a RedisPacing, a redis:// URL or 'local', got {type(value).__name__}"
    raise ConfigurationError(msg)
