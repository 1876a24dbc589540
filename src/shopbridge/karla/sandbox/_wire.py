"""What the Karla sandbox puts on the wire: Karla's error envelope, FastAPI's bodies, successes.

Karla runs on FastAPI (``specs/karla.md`` §1.1), so the sandbox answers in two shapes:

* Karla's envelope for every documented key (seed 002, `shopbridge.karla._table.ERROR_KEYS`)::

    {
        "errors": [
            {
                "loc": ["body", "order", "address", "zip_code"],
                "msg": "...",
                "type": "value_error",
                "field": "zip_code",
            }
        ],
        "key": "zip_code_invalid",
        "message": "the provided zip code is invalid.",
        "type": "invalid_request_error",
    }

* FastAPI's own bodies where Karla documents no key: ``{"detail": [...]}`` for a request that
  fails schema validation, ``{"detail": "..."}`` for auth refusals, unknown routes, 405, 429.

Handlers raise `KarlaError`, `DetailError` or `RequestValidationError`; the sandbox turns them into
answers with the builders here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from shopbridge._sandbox.responses import json_response
from shopbridge.karla._table import ERROR_KEYS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aiohttp import web

__all__ = [
    "SCHEMA_ERROR_KEY",
    "DetailError",
    "KarlaError",
    "RequestValidationError",
    "ValidationStyle",
    "detail_response",
    "envelope",
    "error_response",
    "field_error",
    "validation_response",
]

ValidationStyle = Literal["fastapi", "envelope"]
"""How a request that fails schema validation is answered (spec §3.2, open question Q6)."""

SCHEMA_ERROR_KEY = "request_validation_error"
"""The placeholder ``key`` of a schema failure in the ``"envelope"`` style. Not one of Karla's
keys (its errors page names none for schema failures): it is FastAPI's exception's name, so a
reader sees it is the sandbox's stand-in."""

_SCHEMA_ERROR_MESSAGE = "the request is invalid; see errors."

Loc = tuple[str | int, ...]


class KarlaError(Exception):
    """A documented Karla error: answered in the envelope with the key's status and type.

    Args:
        key: a key of `ERROR_KEYS`.
        errors: the envelope's ``errors`` items (``{loc, msg, type, field}``).
    """

    def __init__(self, key: str, *, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        if key not in ERROR_KEYS:
            msg = f"{key!r} is not one of Karla's error keys"
            raise ValueError(msg)
        super().__init__(key)
        self.key = key
        self.errors = [dict(item) for item in errors]


class DetailError(Exception):
    """An error with no documented key: FastAPI's ``HTTPException`` body, ``{"detail": ...}``."""

    def __init__(
        self, status: int, detail: Any, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class RequestValidationError(Exception):
    """The request failed schema validation; `items` are FastAPI's error items."""

    def __init__(self, items: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(f"{len(items)} validation error(s)")
        self.items = [dict(item) for item in items]


def field_error(
    loc: Loc, msg: str, error_type: str, *, value: Any = None, ctx: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One FastAPI (pydantic v2) error item: ``{type, loc, msg, input[, ctx]}``."""
    item: dict[str, Any] = {"type": error_type, "loc": list(loc), "msg": msg, "input": value}
    if ctx is not None:
        item["ctx"] = dict(ctx)
    return item


def envelope_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A FastAPI error item as an item of the envelope's ``errors``: ``{loc, msg, type, field}``."""
    loc = list(item.get("loc", []))
    names = [part for part in loc if isinstance(part, str)]
    return {
        "loc": loc,
        "msg": item.get("msg", ""),
        "type": item.get("type", "value_error"),
        "field": names[-1] if names else "",
    }


def envelope(key: str, errors: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Karla's error envelope for `key`, with the errors page's wording as the message."""
    error = ERROR_KEYS[key]
    return {
        "errors": [dict(item) for item in errors],
        "key": key,
        "message": error.message,
        "type": error.type,
    }


def error_response(key: str, errors: Sequence[Mapping[str, Any]] = ()) -> web.Response:
    """The answer for a documented key, with its status."""
    return json_response(ERROR_KEYS[key].status, envelope(key, errors))


def detail_response(
    status: int, detail: Any, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """FastAPI's ``HTTPException`` answer."""
    return json_response(status, {"detail": detail}, headers=headers)


def validation_response(
    items: Sequence[Mapping[str, Any]], *, style: ValidationStyle
) -> web.Response:
    """422 for a schema failure, in FastAPI's default shape or in Karla's envelope."""
    if style == "fastapi":
        return json_response(422, {"detail": [dict(item) for item in items]})
    return json_response(
        422,
        {
            "errors": [envelope_item(item) for item in items],
            "key": SCHEMA_ERROR_KEY,
            "message": _SCHEMA_ERROR_MESSAGE,
            "type": "invalid_request_error",
        },
    )
