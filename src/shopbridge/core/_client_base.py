"""`EngineClient`: what every async client shares, whatever the API: its engine's session.

``async with`` opens the HTTP session and closes it at the end; `aclose` closes it (idempotent),
after which the client sends nothing more: a closed client would otherwise have its transport
quietly open a new session that nothing ever closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from cattrs import BaseValidationError

from shopbridge.core._errors import RequestFailedError
from shopbridge.core.sansio._verdict import Action, Verdict

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from shopbridge.core._engine import Engine, Reply

_T = TypeVar("_T")

__all__ = ["EngineClient"]


class EngineClient:
    """Base of `AsyncKanal` and `AsyncKarla`; a subclass sets ``_engine`` in ``__init__``."""

    _engine: Engine
    _closed: bool = False
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
        """Close the HTTP session (idempotent). A closed client sends nothing more."""
        self._closed = True
        await self._engine.transport.close()

    def _check_open(self) -> None:
        """Refuse to send from a closed client.

        Raises:
            RuntimeError: `aclose` was called.
        """
        if self._closed:
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
