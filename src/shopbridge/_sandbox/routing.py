"""Routing on the raw request path, one percent-encoded segment per parameter.

A record's ``external_id`` travels in the path percent-encoded as one segment: ``a%2Fb`` is the
order ``a/b``, and ``%3F``, ``%23``, ``%20`` or ``%2E%2E`` may be inside it. The router splits
the path *as received* on ``/`` and only then decodes each segment, so an encoded slash can
never move a request to another route, and ``..`` is an id like any other. aiohttp's
``request.path`` is already decoded (``/orders/a/b``), which is why the sandboxes route on
``request.raw_path`` with this router rather than on aiohttp's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from urllib.parse import unquote

from attrs import field, frozen

__all__ = ["NO_PARAMS", "RawPathRouter", "Resolution", "Route", "decoded_segments", "path_of"]

NO_PARAMS: Mapping[str, str] = MappingProxyType({})


def path_of(raw_target: str) -> str:
    """The path of a raw request target, without its query string or fragment."""
    return raw_target.partition("?")[0].partition("#")[0]


def decoded_segments(raw_path: str) -> list[str]:
    """Split a raw path on ``/`` (leading and trailing slashes ignored), then decode each part.

    Invalid UTF-8 in a percent-escape decodes to U+FFFD rather than failing.
    """
    inner = raw_path.strip("/")
    if not inner:
        return []
    return [unquote(segment, errors="replace") for segment in inner.split("/")]


def _split_pattern(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.strip("/").split("/"))


@frozen
class Route:
    """One route: a method, a path pattern with ``{name}`` segments, and a name for handlers.

    Attributes:
        method: the HTTP method, upper case.
        pattern: the path, e.g. ``/api/v1/stores/{store_id}/orders/{external_id}``.
        name: the handler's name for the route.
    """

    method: str
    pattern: str
    name: str
    segments: tuple[str, ...] = field(init=False, repr=False, eq=False)

    @segments.default
    def _segments(self) -> tuple[str, ...]:
        return _split_pattern(self.pattern)

    def match(self, segments: list[str]) -> Mapping[str, str] | None:
        """The parameters if the decoded `segments` fit the pattern, else ``None``."""
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for expected, actual in zip(self.segments, segments, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                if not actual:
                    return None
                params[expected[1:-1]] = actual
            elif expected != actual:
                return None
        return MappingProxyType(params)


@frozen(kw_only=True)
class Resolution:
    """Where a request goes.

    Attributes:
        route: the route that matched path and method, or ``None``.
        params: the decoded path parameters of `route`.
        allowed: when no route matched the method, the methods of the routes that matched the
            path (a 405); empty when nothing matched the path (a 404).
    """

    route: Route | None = None
    params: Mapping[str, str] = NO_PARAMS
    allowed: tuple[str, ...] = ()


class RawPathRouter:
    """Resolves ``(method, raw path)`` against an ordered list of routes; first match wins."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)

    def resolve(self, method: str, raw_path: str) -> Resolution:
        """Find the route for `method` and the raw (still percent-encoded) `raw_path`."""
        segments = decoded_segments(path_of(raw_path))
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(segments)
            if params is None:
                continue
            if route.method == method.upper():
                return Resolution(route=route, params=params)
            if route.method not in allowed:
                allowed.append(route.method)
        return Resolution(allowed=tuple(allowed))
