"""The one redaction policy: what a secret looks like, and how it is hidden. Pure: stdlib only.

A secret (an API key) travels in more than one form: raw (``Authorization: Bearer KEY``), as
``user:key`` and, for HTTP Basic, base64-encoded. A server that echoes what it received (a
debugging backend, a proxy, anyone behind a mistyped base URL) may hand any of them back in any
string: a message, a field-error *name*, an error ``key``/``type``/``loc``, a request id. A
`Redactor` built once from the secrets replaces every form of every one of them, wherever it is
applied: exceptions, log arguments, dead-letter rows, checkpoints, reports, CLI output.

Redaction is applied at the boundaries where outside strings enter something shopbridge shows
or writes, never to the records themselves (a record's data is the user's, sent as given).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

__all__ = ["MIN_SECRET_LENGTH", "NO_REDACTION", "REDACTED", "Redactor"]

REDACTED: Final = "***"
"""What a secret is replaced with."""

MIN_SECRET_LENGTH: Final = 4
"""Shorter strings are not treated as secrets: hiding every ``a`` would garble every message,
and no API issues keys that short."""

_T = TypeVar("_T")


def _encodings(text: str) -> Iterable[str]:
    raw = text.encode("utf-8")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(raw).decode("ascii")
        yield encoded
        yield encoded.rstrip("=")


class Redactor:
    """Hides every form of a set of secrets in strings and in nested data.

    Args:
        secrets: the secrets, raw.
        user: a username sent beside them as ``user:secret`` (HTTP Basic); that pair and its
            base64 forms are hidden too.

    Every secret is hidden raw, base64-encoded (standard and URL-safe alphabets, with and
    without padding) and, with `user`, as ``user:secret`` and its base64 forms. A secret given
    already base64-encoded (a Basic token) is hidden as given, like any other.
    """

    __slots__ = ("_forms", "_pattern")

    def __init__(self, secrets: Iterable[str] = (), *, user: str | None = None) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            variants = [secret] if user is None else [secret, f"{user}:{secret}"]
            for variant in variants:
                forms.add(variant)
                forms.update(_encodings(variant))
        # Longest first: "user:key" and a padded encoding are replaced whole, before any
        # shorter form inside them would leave a tell-tale remainder.
        self._forms = tuple(sorted(forms, key=lambda form: (-len(form), form)))
        self._pattern = (
            re.compile("|".join(re.escape(form) for form in self._forms)) if self._forms else None
        )

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} forms)"  # never the forms themselves

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled redactor would carry the secrets into a file or another process.
        return (Redactor, ())

    def text(self, value: str) -> str:
        """`value` with every form of every secret replaced by `REDACTED`."""
        if self._pattern is None:
            return value
        return self._pattern.sub(REDACTED, value)

    def optional(self, value: str | None) -> str | None:
        """`text`, passing ``None`` through."""
        return None if value is None else self.text(value)

    def data(self, value: _T) -> _T:
        """`value` with every string redacted: in mappings (keys included), lists and tuples.

        Other values (numbers, ``None``, bytes, objects) are returned as they are.
        """
        if self._pattern is None:
            return value
        return self._data(value)  # type: ignore[no-any-return] # same shape as given

    def _data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self._data(key): self._data(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._data(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self._data(item) for item in value)
        return value


NO_REDACTION: Final = Redactor()
"""A redactor that knows no secret (for runs and tools that were given none)."""
