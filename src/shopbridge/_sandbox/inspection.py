"""The read-only inspection routes: what a sandbox holds, for a test or a human with curl.

No authentication, GET only, never subject to faults or the rate limit::

    GET /_sandbox/                                      what this sandbox is, and its routes
    GET /_sandbox/stats                                 the counters
    GET /_sandbox/faults                                the faults in force
    GET /_sandbox/{view}                                a dialect's extra view (Karla: deliveries)
    GET /_sandbox/{scopes}/{scope}/{resource}           the records of one scope and resource
    GET /_sandbox/{scopes}/{scope}/{resource}/{key}     one record (the key percent-encoded)

``{scopes}`` is the API's word for what it partitions data by (Kanal: ``stores``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from attrs import asdict

from shopbridge._sandbox.responses import json_response
from shopbridge._sandbox.routing import decoded_segments

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from aiohttp import web

    from shopbridge._sandbox.faults import Faults
    from shopbridge._sandbox.ratelimit import RateLimit
    from shopbridge._sandbox.records import StoredRecord
    from shopbridge._sandbox.stats import SandboxStats

__all__ = ["INSPECTION_PREFIX", "Inspected", "inspect", "is_inspection"]


class Inspected(Protocol):
    """What the inspection routes read of a sandbox (`SandboxServer` is one).

    A protocol, not the server class: the server imports this module to route to it.
    """

    @property
    def api_name(self) -> str:
        """The API's name."""
        ...

    @property
    def scopes_name(self) -> str:
        """What its scopes are called in paths (``stores``)."""
        ...

    @property
    def resources(self) -> Sequence[str]:
        """The resources it stores."""
        ...

    @property
    def stats(self) -> SandboxStats:
        """Its counters."""
        ...

    @property
    def faults(self) -> Faults:
        """The faults it injects."""
        ...

    @property
    def rate_limit(self) -> RateLimit | None:
        """Its rate limit, or ``None``."""
        ...

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        ...

    def inspection_views(self) -> Mapping[str, Callable[[], Any]]:
        """The sandbox's own views, by name."""
        ...

    def parse_scope(self, text: str) -> Any:
        """A scope (store, shop) from its path segment, or ``None``."""
        ...

    def scopes(self) -> Any:
        """Every scope, as JSON."""
        ...

    def record(self, scope: Any, resource: str, key: str) -> StoredRecord | None:
        """One stored record, or ``None``."""
        ...

    def records(self, scope: Any, resource: str) -> Mapping[str, StoredRecord]:
        """Every stored record of a resource, by key."""
        ...


INSPECTION_PREFIX = "/_sandbox"


def is_inspection(raw_path: str) -> bool:
    """Whether `raw_path` is one of the inspection routes (rather than the API's)."""
    return raw_path == INSPECTION_PREFIX or raw_path.startswith(INSPECTION_PREFIX + "/")


def inspect(server: Inspected, method: str, raw_path: str) -> web.Response:
    """Answer an inspection request from what `server` holds."""
    if method != "GET":
        return json_response(
            405,
            {"message": f"The {INSPECTION_PREFIX}/ routes are read-only: use GET."},
            headers={"Allow": "GET"},
        )
    segments = decoded_segments(raw_path)[1:]
    if not segments:
        return json_response(200, _index(server))
    views: dict[str, Callable[[], Any]] = {
        **server.inspection_views(),
        "stats": server.stats.to_json,
        "faults": lambda: {"spec": server.faults.spec(), **asdict(server.faults)},
    }
    if len(segments) == 1 and segments[0] in views:
        return json_response(200, views[segments[0]]())
    if len(segments) in (3, 4) and segments[0] == server.scopes_name:
        return _records(server, segments[1], segments[2], segments[3:])
    return json_response(404, {"message": "Not Found"})


def _records(server: Inspected, scope_text: str, resource: str, key: list[str]) -> web.Response:
    scope = server.parse_scope(scope_text)
    if scope is None:
        return json_response(404, {"message": f"No {server.scopes_name} {scope_text!r}."})
    if resource not in server.resources:
        known = ", ".join(server.resources)
        return json_response(404, {"message": f"No resource {resource!r}; known: {known}."})
    if key:
        record = server.record(scope, resource, key[0])
        if record is None:
            return json_response(404, {"message": f"No record {key[0]!r}."})
        return json_response(200, record.to_json())
    records = [record.to_json() for record in server.records(scope, resource).values()]
    return json_response(200, {server.scopes_name: scope, "resource": resource, "records": records})


def _index(server: Inspected) -> dict[str, Any]:
    scopes = server.scopes_name
    one = scopes.removesuffix("s")
    rate_limit = server.rate_limit
    return {
        "api": server.api_name,
        "base_url": server.base_url,
        scopes: server.scopes(),
        "resources": list(server.resources),
        "rate_limit": rate_limit.spec() if rate_limit is not None else "off",
        "faults": server.faults.spec(),
        "routes": [
            f"GET {INSPECTION_PREFIX}/stats",
            f"GET {INSPECTION_PREFIX}/faults",
            *(f"GET {INSPECTION_PREFIX}/{name}" for name in server.inspection_views()),
            f"GET {INSPECTION_PREFIX}/{scopes}/{{{one}}}/{{resource}}",
            f"GET {INSPECTION_PREFIX}/{scopes}/{{{one}}}/{{resource}}/{{key}}",
        ],
    }
