"""Decoding JSON without losing a digit or a value: orjson on the hot path, exact where it is not.

orjson reads an integer outside 64 bits and a decimal with more digits than a float holds as a
float, silently rounded (``18446744073709551617`` becomes ``1.8446744073709552e+19``), and keeps
the last of two equal keys, silently dropping the first value. `loads_exact` decodes with
orjson, then checks cheaply (byte scans and a count of the keys it produced) whether the
text may hold either; only then is the line decoded again by the standard library, keeping every
number as an exact `Decimal` (or `int`) and refusing a repeated key. The encoder
(`shopbridge.core._engine.encode_json`) writes a `Decimal` with its exact digits.

The scans are on the hot path of every bulk line: a regular expression tried at every byte costs
several times orjson's own decoding, so each is first a substring search (in C) for what its
match must contain, and the expression runs only on the rare lines that hold it.
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
_SHAPES = bytes.maketrans(b"0123456789.eE+-\t\r\n", b"00000000000ee++   ")
"""Digits and dots as ``0``, exponents as ``e``, signs as ``+``, white space as a space: what
`_MAY_LOSE_DIGITS` matches is then a run of 16 ``0`` or an ``e000`` (which may also appear
without a match: the expression decides), and `_KEY_END` is a plain ``":`` unless ``" `` is."""
_RUN_OF_16 = b"0" * 16


class DuplicateKeyError(ValueError):
    """An object names the same key twice; `key` is the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _keys(value: dict[str, Any] | list[Any]) -> int:
    # Called on containers only (orjson gives plain dicts and lists): no call per scalar.
    if type(value) is dict:
        count = len(value)
        items: Any = value.values()
    else:
        count = 0
        items = value
    for item in items:
        kind = type(item)
        if kind is dict or kind is list:
            count += _keys(item)
    return count


def _may_lose_digits(shapes: bytes, data: bytes) -> bool:
    if _RUN_OF_16 in shapes or b"e000" in shapes or b"e+000" in shapes:
        return _MAY_LOSE_DIGITS.search(data) is not None
    return False


def _key_ends(shapes: bytes, data: bytes) -> int:
    if b'" ' in shapes:
        return len(_KEY_END.findall(data))
    return shapes.count(b'":')


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
    kind = type(value)
    keys = _keys(value) if kind is dict or kind is list else 0
    shapes = data.translate(_SHAPES)
    if not _may_lose_digits(shapes, data) and _key_ends(shapes, data) == keys:
        return value
    try:
        return json.loads(data, parse_float=Decimal, parse_int=_integer, object_pairs_hook=_object)
    except InvalidOperation as exc:  # pragma: no cover - orjson read it: so can Decimal
        msg = f"a number cannot be read ({exc})"
        raise ValueError(msg) from None
