"""Paths below a base URL: one percent-encoded segment per parameter, whatever it holds."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["fill_path", "path_names", "query_string", "segment"]


def segment(value: str) -> str:
    """`value` as one path segment: ``/ ? # %`` and spaces encoded, ``.`` and ``..`` too.

    A bare ``.`` or ``..`` would be resolved by URL normalisation (``/orders/..`` is
    ``/``), so their dots are encoded as well.
    """
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def path_names(template: str) -> tuple[str, ...]:
    """The ``{name}`` placeholders of a path template, in order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def fill_path(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value as one encoded segment."""
    return template.format_map({name: segment(value) for name, value in values.items()})


def query_string(query: Mapping[str, object], render: Callable[[object], str]) -> str:
    """A query string of the parameters that are not ``None``, each value `render`-ed."""
    return urlencode(
        {name: render(value) for name, value in query.items() if value is not None},
        quote_via=quote,
    )
