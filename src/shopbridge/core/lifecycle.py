"""`EngineClient`: what every async client shares, whatever the API: its engine's session.

``async with`` opens the HTTP session and closes it at the end; `aclose` closes it (idempotent),
after which the client sends nothing more: a closed client would otherwise have its transport
quietly open a new session that nothing ever closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from types import TracebackType

    from shopbridge.core.engine import Engine

__all__ = ["EngineClient"]


class EngineClient:
    """Base of `AsyncKanal` and `AsyncKarla`; a subclass sets ``_engine`` in ``__init__``."""

    _engine: Engine
    _closed: bool = False

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
