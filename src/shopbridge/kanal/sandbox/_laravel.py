"""What a Laravel backend does around every request, for sandboxes of Laravel APIs (Kanal).

Laravel shapes requests and answers the same way whatever the application: it reads the body
as input only when the ``Content-Type`` says JSON, trims every string and turns empty ones into
null before validation, answers unknown routes 404 ``{"message": "Not Found"}`` and wrong
methods 405 with its own sentence, its ``throttle`` middleware answers 429
``{"message": "Too Many Attempts."}``, and its exception handler answers a 5xx
``{"message": ...}`` in production wording. Its ``decimal:2`` cast renders amounts as strings.
"""

from __future__ import annotations

from datetime import UTC
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import orjson

from shopbridge._sandbox.responses import json_response
from shopbridge.core._exact_json import DuplicateKeyError, loads_exact
from shopbridge.kanal._validation.dates import parse_date
from shopbridge.kanal._validation.php import middleware

if TYPE_CHECKING:
    from aiohttp import web

    from shopbridge._sandbox.ratelimit import RateLimitDecision

__all__ = [
    "decimal_2",
    "iso_timestamp",
    "method_not_allowed",
    "normalised_input",
    "read_input",
    "route_not_found",
    "server_error_payload",
    "too_many_attempts",
]

_CENTS = Decimal("0.01")
_WIDE = Context(prec=200)
_SERVER_ERROR_MESSAGES = {500: "Server Error"}
"""Laravel's production wording, where it differs from the status phrase."""


def normalised_input(value: Any) -> Any:
    """`value` after the TrimStrings and ConvertEmptyStringsToNull middleware (recursively).

    The client's validation trims with the same characters (`Str::trim`'s, the zero-width
    space and the byte order mark included): one definition, in the validation package.
    """
    return middleware(value)


async def read_input(request: web.BaseRequest) -> dict[str, Any]:
    """The request's input as Laravel sees it: a JSON object, or nothing.

    Laravel reads the body as JSON only when the ``Content-Type`` says JSON (``/json`` or
    ``+json``); a body that is not JSON, or not an object, gives no input at all, so the
    required fields then fail validation.
    """
    content_type = request.headers.get("Content-Type", "").lower()
    if "/json" not in content_type and "+json" not in content_type:
        return {}
    body = await request.read()
    try:
        # Every digit kept, so that a test can read back exactly what was sent.
        data = loads_exact(body)
    except DuplicateKeyError:
        data = orjson.loads(body)  # PHP's json_decode keeps the last of two equal keys
    except ValueError:  # orjson.JSONDecodeError is one
        return {}
    return normalised_input(data) if isinstance(data, dict) else {}


def decimal_2(value: Any) -> str:
    """The ``decimal:2`` cast: a string with two decimals, rounded half up (``49.9`` → ``"49.90"``).

    A value no decimal can hold comes back as text, unrounded.
    """
    try:
        return str(Decimal(str(value)).quantize(_CENTS, rounding=ROUND_HALF_UP, context=_WIDE))
    except InvalidOperation:
        return str(value)


def iso_timestamp(value: Any) -> Any:
    """An ISO 8601 time in UTC with a ``+00:00`` offset, to the second (PHP's ``DATE_ATOM``).

    The value is read as Laravel's ``date`` rule reads it (``01/01/2000`` too); a time
    without an offset is taken as UTC (the app's time zone); a value that is not a date comes
    back unchanged.
    """
    moment = parse_date(value)
    if moment is None:
        return value
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def route_not_found() -> web.Response:
    """404 for a path no route matches."""
    return json_response(404, {"message": "Not Found"})


def method_not_allowed(method: str, raw_path: str, allowed: tuple[str, ...]) -> web.Response:
    """405 with Laravel's ``MethodNotAllowedHttpException`` sentence; the route is the raw path."""
    supported = ", ".join(allowed)
    message = (
        f"The {method} method is not supported for route {raw_path.strip('/')}. "
        f"Supported methods: {supported}."
    )
    return json_response(405, {"message": message}, headers={"Allow": supported})


def too_many_attempts(decision: RateLimitDecision) -> web.Response:
    """429 from the ``throttle`` middleware, with `decision`'s headers."""
    return json_response(429, {"message": "Too Many Attempts."}, headers=decision.headers())


def server_error_payload(status: int) -> dict[str, str]:
    """The body of a 5xx from Laravel's exception handler in production (no debug details)."""
    return {"message": _SERVER_ERROR_MESSAGES.get(status, HTTPStatus(status).phrase)}
