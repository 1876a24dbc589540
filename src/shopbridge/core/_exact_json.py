"""Decoding JSON without losing a digit or a value: orjson on the hot path, exact where it is not.

orjson reads an integer outside 64 bits and a decimal with more digits than a float holds as a
float, silently rounded (``18446744073709551617`` becomes ``1.8446744073709552e+19``), and keeps
the last of two equal keys, silently dropping the first value. `loads_exact` decodes with
orjson, then checks cheaply (two byte scans and a count of the keys it produced) whether the
text may hold either; only then is the line decoded again by the standard library, keeping every
number as an exact `Decimal` (or `int`) and refusing a repeated key. The encoder
(`shopbridge.core._engine.encode_json`) writes a `Decimal` with its exact digits.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

__all__ = ["DuplicateKeyError", "loads_exact"]

_MAY_LOSE_DIGITS = re.compile(rb"[0-9][0-9.]{15,}|[eE][+-]?[0-9]{3,}")
"""A run of 16 digits or more (a float holds 15 for sure), or a three-digit exponent (beyond a
float's range, or below it: ``1e-400`` would read as 0.0)."""
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
"""Every key of an object ends like this; so may a string holding ``":``, which only ever makes
the count larger, never hides a repeated key."""
_INT64 = range(-(2**63), 2**64)
"""What orjson reads exactly as an integer."""


class DuplicateKeyError(ValueError):
    """An object names the same key twice; `key` is the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _keys(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_keys(item) for item in value.values())
    if isinstance(value, list):
        return sum(_keys(item) for item in value)
    return 0


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


def _integer(text: str) -> int | Decimal:
    # Beyond 64 bits an int is kept as a Decimal: orjson cannot encode it, and a Decimal is
    # written with its exact digits. The length test comes first: int() refuses a very long
    # text (sys.int_info.str_digits_check_threshold), Decimal does not.
    if len(text) <= 20:
        number = int(text)
        if number in _INT64:
            return number
    return Decimal(text)


def loads_exact(raw: bytes | str) -> Any:
    """Decode one JSON document, every number exact, refusing a repeated key.

    Returns:
        The value, as orjson gives it when no number can lose a digit; otherwise every number
        that has a fraction or an exponent is a `Decimal`, and an integer beyond 64 bits too.

    Raises:
        orjson.JSONDecodeError: it is not valid JSON.
        DuplicateKeyError: an object names a key twice.
        ValueError: a number cannot be read at all.
    """
    value = orjson.loads(raw)
    data = raw.encode() if isinstance(raw, str) else raw
    if _MAY_LOSE_DIGITS.search(data) is None and len(_KEY_END.findall(data)) == _keys(value):
        return value
    try:
        return json.loads(data, parse_float=Decimal, parse_int=_integer, object_pairs_hook=_object)
    except InvalidOperation as exc:  # pragma: no cover - orjson read it: so can Decimal
        msg = f"a number cannot be read ({exc})"
        raise ValueError(msg) from None
