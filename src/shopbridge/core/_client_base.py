"""`EngineClient`: what every async client shares, whatever the API.

It implements `shopbridge.core._endpoint.Api`, the one protocol through which resources call
their client: `EngineClient.call` fills an endpoint's path, has the dialect prepare the body,
sends a `Request` built from the endpoint's facts and returns an `Answer`. A dialect supplies
four hooks, its own rules in its own words: `_path_value` (a path parameter checked and
encoded), `_json_body` (a body validated and made JSON-ready), `_query_value` and
`_read_answer` (a 2xx body read into the endpoint's answer type).

``async with`` opens the HTTP session and closes it at the end; `aclose` closes it (idempotent),
after which the client sends nothing more: a closed client would otherwise have its transport
quietly open a new session that nothing ever closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from cattrs import BaseValidationError

from shopbridge.core._endpoint import Answer, Encoded, Endpoint
from shopbridge.core._errors import RequestFailedError
from shopbridge.core._requests import Request
from shopbridge.core.sansio._paths import fill_path, query_string
from shopbridge.core.sansio._verdict import Action, Verdict

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    from shopbridge.core._engine import Engine
    from shopbridge.core._requests import EngineCounters, Reply
    from shopbridge.core.sansio._redaction import Redactor

_T = TypeVar("_T")

__all__ = ["EngineClient"]

_FILLED: dict[tuple[str, tuple[str, ...]], str] = {}
"""Paths filled, by template and values: most calls fill the same one (the store's)."""
_FILLED_CACHE_SIZE = 1024


class EngineClient:
    """Base of `AsyncKanal` and `AsyncKarla`: the `Api` protocol over one engine.

    A subclass sets ``_engine``, ``_pace_key`` and ``scope`` in ``__init__`` and implements
    the hooks below.
    """

    _engine: Engine
    _pace_key: str
    _closed: bool = False
    _root: EngineClient | None = None
    """The client a `with_options` view was made from (it owns the session), else ``None``."""
    scope: str
    """The store or shop the client works on, in words (``kanal store 123``)."""
    _api_name: ClassVar[str]
    """The API's name, for messages and rule names (``Kanal``)."""
    _unreadable_consequence: ClassVar[str]
    """What an answer that cannot be read means for the request, in words."""

    async def __aenter__(self) -> Self:
        await self._engine.transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (idempotent). A closed client sends nothing more.

        A `with_options` view closes nothing: its session is its client's.
        """
        if self._root is not None:
            return
        self._closed = True
        await self._engine.transport.close()
        await self._engine.pacer.aclose()

    @property
    def counters(self) -> EngineCounters:
        """The engine's counters (calls, attempts, 429s met, rules fired)."""
        return self._engine.counters

    @property
    def redactor(self) -> Redactor:
        """Hides this client's credentials in what it shows and writes (bulk runs included)."""
        return self._engine.redactor

    async def call(
        self,
        endpoint: Endpoint[_T],
        body: object = None,
        /,
        *,
        query: Mapping[str, object] | None = None,
        idempotency_key: str | None = None,
        **params: object,
    ) -> Answer[_T]:
        """Validate `body`, fill the path with `params`, send, and return the 2xx answer.

        With `idempotency_key`, every attempt carries it as ``Idempotency-Key`` and the
        request counts as idempotent (the API deduplicates it by that key).

        Raises:
            ValidationError: the body or a path parameter breaks the API's rules; nothing
                was sent.
            RequestError: the API refused it, or the retry policy gave up.
        """
        self._check_open()
        path = endpoint.path
        if "{" in path:
            names = endpoint.placeholders
            values = tuple([self._path_value(endpoint, name, params.get(name)) for name in names])
            key = (path, values)
            filled = _FILLED.get(key)
            if filled is None:
                filled = fill_path(path, dict(zip(names, values, strict=True)))
                if len(_FILLED) >= _FILLED_CACHE_SIZE:
                    _FILLED.clear()  # item paths (one per record id) must not grow it forever
                _FILLED[key] = filled
            path = filled
        raw: bytes | None = None
        content_type: str | None = None
        json: Any = None
        if isinstance(body, Encoded):
            raw, content_type = body.data, body.content_type
        elif endpoint.schema is not None:
            json = self._json_body(endpoint, body, path)
        target = path if not query else f"{path}?{query_string(query, self._query_value)}"
        reply = await self._engine.send(
            Request(
                method=endpoint.method,
                path=target,
                json=json,
                body=raw,
                content_type=content_type,
                idempotent=endpoint.idempotent or idempotency_key is not None,
                create=endpoint.create,
                pace_key=endpoint.pace_key or self._pace_key,
                headers=None if idempotency_key is None else {"Idempotency-Key": idempotency_key},
                name=endpoint.name,
            )
        )
        return Answer(reply, lambda reply: self._read_answer(endpoint, reply, path))

    # The dialect's hooks.

    def _path_value(self, endpoint: Endpoint[Any], name: str, value: object) -> str:
        """A path parameter, checked; raise `ValidationError` naming it when it is wrong."""
        raise NotImplementedError

    def _json_body(self, endpoint: Endpoint[Any], body: object, path: str) -> Any:
        """The body validated with the endpoint's schema, JSON-ready."""
        raise NotImplementedError

    def _query_value(self, value: object) -> str:
        """A query parameter's value as the API reads it."""
        return str(value)

    def _read_answer(self, endpoint: Endpoint[_T], reply: Reply, path: str) -> _T:
        """A 2xx reply's body as the endpoint's answer type."""
        raise NotImplementedError

    def _check_open(self) -> None:
        """Refuse to send from a closed client.

        Raises:
            RuntimeError: `aclose` was called.
        """
        if (self._root or self)._closed:
            msg = f"this {type(self).__name__} is closed; create a new one"
            raise RuntimeError(msg)

    def _decode(self, reply: Reply, read: Callable[[Any], _T], *, method: str, path: str) -> _T:
        """`read` the reply's JSON into a model, or fail with the verdict that says why.

        Raises:
            RequestFailedError: the 2xx answer is not the documented body.
        """
        try:
            return read(reply.data)
        except (BaseValidationError, ValueError, TypeError, KeyError, AttributeError):
            verdict = Verdict(
                action=Action.FAIL,
                reason=f"{self._api_name} answered {reply.status} but not with the documented "
                f"body; {self._unreadable_consequence}",
                rule=f"{self._api_name.lower()}-unreadable-answer",
                status=reply.status,
            )
            raise RequestFailedError(
                verdict, method=method, path=path, attempts=reply.attempts
            ) from None
