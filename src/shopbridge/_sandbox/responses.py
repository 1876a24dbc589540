"""Building the sandboxes' answers: JSON bodies, broken 5xx bodies, dropped connections."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from shopbridge._sandbox.faults import Malformed

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DROPPED_STATUS", "drop_connection", "json_response", "malformed_response"]

DROPPED_STATUS = 444
"""The status aiohttp's access log shows for a dropped connection (nginx's "connection closed
without response"); the client never sees it."""


def json_response(
    status: int, payload: Any, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer, ``Content-Type: application/json`` without charset (Laravel's, FastAPI's)."""
    return web.Response(
        status=status,
        body=orjson.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def malformed_response(
    status: int, payload: Any, how: Malformed, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """An error answer whose body is not the JSON a client expects.

    Args:
        status: the HTTP status.
        payload: the JSON body the answer should have had.
        how: an HTML page (what a proxy in front of the API sends), or the first half of the
            JSON body (a response cut short), still labelled ``application/json``.
        headers: extra headers.
    """
    if how is Malformed.HTML:
        title = f"{status} {HTTPStatus(status).phrase}"
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return web.Response(status=status, text=page, content_type="text/html", headers=headers)
    body = orjson.dumps(payload)
    return web.Response(
        status=status,
        body=body[: max(len(body) // 2, 1)],
        content_type="application/json",
        headers=headers,
    )


def drop_connection(request: web.BaseRequest) -> web.StreamResponse:
    """Close the connection without answering, as a crashed server or a cut network does.

    The client sees the connection close before any byte of a response
    (``aiohttp.ServerDisconnectedError``). aiohttp's server fails to write the placeholder
    response returned here, recognises a client that went away, and logs nothing above DEBUG;
    raising instead would log an "Error handling request" traceback for every drop.
    """
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.Response(status=DROPPED_STATUS)
