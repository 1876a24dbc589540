"""Endpoints as data, and the one protocol through which resources call their client.

Each operation of an API is described once, as an `Endpoint`: its method, its path template,
the schema its body is validated with, the request model it may be given as, the type its
answer is read into, and whether the API deduplicates it (``idempotent``) or refuses it twice
(``create``). A resource method is then one line of intent::

    answer = await self._api.call(ORDER_UPSERT, order)

`Api` is everything a resource may ask of its client. The client fills the path, validates the
body with its dialect's rules, hands the engine a `Request` built from the endpoint's facts and
returns an `Answer`, which reads the body into the endpoint's answer type only when asked (a
bulk push never reads it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from attrs import field, frozen

from shopbridge.core.sansio._paths import path_names

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from shopbridge.core._requests import EngineCounters, Reply
    from shopbridge.core.sansio._redaction import Redactor
    from shopbridge.core.sansio._verdict import Verdict

__all__ = ["Answer", "Api", "Encoded", "Endpoint"]

_A = TypeVar("_A")
_A_co = TypeVar("_A_co", covariant=True)


@frozen(kw_only=True)
class Endpoint(Generic[_A]):
    """One operation of an API, described once.

    Attributes:
        name: the operation's name in messages (``orders.upsert``).
        method: the HTTP method.
        path: the path below the client's base URL, with ``{name}`` placeholders that the
            client fills with one percent-encoded segment each.
        answer: the type a 2xx body is read into; ``object`` for an untyped answer (the JSON
            as it came); ``None`` when the answer has no body worth reading.
        schema: the dialect's validation of the body (opaque to the core), or ``None`` when
            the endpoint takes no JSON body.
        model: the request model a body may also be given as (besides a mapping).
        idempotent: the API deduplicates it, so it may be resent after an ambiguous failure.
        create: a create the API refuses twice (``409 *_exists``): after an ambiguous failure
            it may be resent, and its 409 then reads as "already existed".
        many: the body is a list of `model` (a bulk endpoint).
        pace_key: the rate-limit window it counts against, when it is not the client's own
            (Kanal's templates: 60 a minute per key).
        placeholders: the names of `path`'s placeholders, in order (read once, not per call).
    """

    name: str
    method: str
    path: str
    answer: type[_A] | None
    schema: object | None = None
    model: type | None = None
    idempotent: bool
    create: bool = False
    many: bool = False
    pace_key: str | None = None
    placeholders: tuple[str, ...] = field(init=False, eq=False, repr=False)

    @placeholders.default
    def _placeholders(self) -> tuple[str, ...]:
        return path_names(self.path)


@frozen
class Encoded:
    """A body already encoded (a multipart upload), sent byte for byte on every attempt."""

    data: bytes
    content_type: str


class Answer(Generic[_A_co]):
    """A 2xx reply to one endpoint's call; `read` gives it as the endpoint's answer type.

    Reading is deferred: structuring a body costs more than the rest of a call, and a bulk push
    needs only the status and the verdict.
    """

    __slots__ = ("_reader", "reply")

    def __init__(self, reply: Reply, reader: Callable[[Reply], _A_co]) -> None:
        self.reply = reply
        self._reader = reader

    def read(self) -> _A_co:
        """The body as the endpoint's answer type.

        Raises:
            RequestFailedError: the 2xx body is not the documented one.
        """
        return self._reader(self.reply)

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self.reply.status

    @property
    def verdict(self) -> Verdict:
        """The decision-table verdict of the attempt that succeeded."""
        return self.reply.verdict

    @property
    def attempts(self) -> int:
        """Attempts made."""
        return self.reply.attempts

    @property
    def after_ambiguous(self) -> bool:
        """Whether an earlier attempt may have been applied before its answer was lost."""
        return self.reply.after_ambiguous


class Api(Protocol):
    """What a resource may ask of its client: call an endpoint, and name its scope."""

    @property
    def scope(self) -> str:
        """The store or shop the client works on, in words (``kanal store 123``)."""
        ...

    @property
    def counters(self) -> EngineCounters:
        """The engine's counters (calls, attempts, 429s met, rules fired)."""
        ...

    @property
    def redactor(self) -> Redactor:
        """Hides the client's credentials in what it shows and writes."""
        ...

    async def call(
        self,
        endpoint: Endpoint[_A],
        body: object = None,
        /,
        *,
        query: Mapping[str, object] | None = None,
        idempotency_key: str | None = None,
        **params: object,
    ) -> Answer[_A]:
        """Validate `body`, fill the path with `params`, send, and return the 2xx answer.

        With `idempotency_key`, the request carries it as ``Idempotency-Key`` on every
        attempt, and the API's deduplication makes it safe to resend after an ambiguous
        failure.

        Raises:
            ValidationError: the body or a path parameter breaks the API's rules; nothing
                was sent.
            RequestError: the API refused it, or the retry policy gave up.
        """
        ...
