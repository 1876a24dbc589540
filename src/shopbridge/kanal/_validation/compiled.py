"""A schema's rules compiled into one straight-line Python function, as attrs and cattrs do.

Checking a record is on every call's path; walking the rules as data costs a function call
and a dozen attribute lookups per field. The compiled function reads each field with
literal keys, skips an absent optional field in one comparison, trims a string as Laravel's
middleware does (`shopbridge.kanal._validation.php.TRIMMED`), lets a plainly right value
through without calling its `Check`, and calls the check for the rest. Its behaviour is
`schemas._apply`'s, field for field (a test holds the two equal on every schema);
``compile_fields(...).source`` shows the code.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from shopbridge.kanal._validation.checks import Kind
from shopbridge.kanal._validation.dates import is_date
from shopbridge.kanal._validation.emails import is_email
from shopbridge.kanal._validation.php import INT64_MAX, TRIMMED
from shopbridge.kanal._validation.urls import is_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from shopbridge.kanal._validation.fields import FieldRule

__all__ = ["CompiledFields", "compile_fields"]


class CompiledFields(Protocol):
    """``(data, errors) -> None``: adds the field errors of `data` (a dict) to `errors`."""

    source: str

    def __call__(self, data: dict[str, Any], errors: dict[str, list[str]]) -> None: ...


_CONTAINER = "type(v) in CONTAINERS"


class _Objects:
    """The nested objects a function has read so far: each read once, into a local of its own.

    ``customer.phone`` and ``customer.email`` then cost one ``get`` each, not two; an object
    that is absent or not a dict is the empty ``NONE``, whose every ``get`` is ``M``, as the
    step-by-step lookup gives.
    """

    def __init__(self) -> None:
        self._names: dict[tuple[str, ...], str] = {}

    def lookup(self, parts: tuple[str, ...]) -> Iterator[str]:
        """The lines that set ``v`` to the value at `parts` (``M`` when absent)."""
        parent = "data"
        for depth in range(1, len(parts)):
            prefix = parts[:depth]
            name = self._names.get(prefix)
            if name is None:
                name = self._names[prefix] = f"o{len(self._names)}"
                yield f"{name} = {parent}.get({prefix[-1]!r}, M)"
                yield f"if type({name}) is not dict:"
                yield f"    {name} = NONE"
            parent = name
        yield f"v = {parent}.get({parts[-1]!r}, M)"


def _field(index: int, rule: FieldRule, objects: _Objects) -> Iterator[str]:
    yield f"# {rule.path}"
    yield from objects.lookup(rule.parts)
    if rule.required:
        yield "if v is M:"
        yield f"    add(errors, P[{index}], [REQUIRED[{index}]])"
        yield "else:"
    else:
        yield "if v is not M:"
    yield "    if type(v) is str:"
    yield "    " * 2 + "v = v.strip(TRIM) or None"
    check = "    "
    if rule.required:
        yield f"    if v is None or ({_CONTAINER} and not v):"
        yield f"        add(errors, P[{index}], [REQUIRED[{index}]])"
        yield "    else:"
        check = "        "
    elif rule.nullable:
        yield "    if v is not None:"
        check = "        "
    # (not nullable: a null is checked like any other value)
    accept = _accepts(rule)
    if accept is not None:
        # Most values are plainly right: let them through without calling the check.
        yield f"{check}if not ({accept}):"
        check += "    "
    yield f"{check}m = C[{index}](A[{index}], v)"
    yield f"{check}if m:"
    yield f"{check}    add(errors, P[{index}], m)"


_ACCEPTS_BY_TYPE = {Kind.LIST: "type(v) is list", Kind.OBJECT: "type(v) is dict"}
# Exact tests, called straight from the generated code; their check runs only on a refusal.
_ACCEPTS_BY_CALL = {Kind.EMAIL: "IS_EMAIL", Kind.URL: "IS_URL", Kind.DATE: "IS_DATE"}


def _accepts(rule: FieldRule) -> str | None:
    """A cheap test that is true only of values the rule's `Check` would pass, or ``None``."""
    kind = rule.kind
    if kind in _ACCEPTS_BY_TYPE:
        return _ACCEPTS_BY_TYPE[kind]
    if kind is Kind.STRING:
        size = "" if rule.exact_length is None else f" and len(v) == {rule.exact_length}"
        limit = "" if rule.max_length is None else f" and len(v) <= {rule.max_length}"
        return "type(v) is str" + size + limit
    if kind is Kind.INTEGER:
        low = "-INT64_MAX - 1" if rule.minimum is None else repr(rule.minimum)
        return f"type(v) is int and {low} <= v <= INT64_MAX"
    if kind in _ACCEPTS_BY_CALL:
        limit = "" if rule.max_length is None else f" and len(v) <= {rule.max_length}"
        return f"type(v) is str{limit} and {_ACCEPTS_BY_CALL[kind]}(v)"
    if kind is Kind.NUMBER:
        low = "-INF" if rule.minimum is None else repr(rule.minimum)
        return f"(type(v) is int or type(v) is float) and {low} <= v < INF"
    return None


def _wildcard(index: int, rule: FieldRule, objects: _Objects) -> Iterator[str]:
    yield f"# {rule.path}"
    yield from objects.lookup(rule.parts[:-1])
    accept = _accepts(rule)
    if accept is not None:
        # Items that are all plainly right need no expansion; else Laravel's way, in order.
        yield "if type(v) is list:"
        yield "    items = v"
        yield "    for v in items:"
        yield "        if type(v) is str:"
        yield "            v = v.strip(TRIM) or None"
        yield f"        if not ({accept}):"
        yield f"            for path, shown, raw in expand(R[{index}], data):"
        yield f"                apply(R[{index}], path, shown, raw, errors)"
        yield "            break"
        yield "elif type(v) is dict or type(v) is tuple:"
    else:
        yield "if type(v) is list or type(v) is dict or type(v) is tuple:"
    yield f"    for path, shown, raw in expand(R[{index}], data):"
    yield f"        apply(R[{index}], path, shown, raw, errors)"


def compile_fields(
    name: str,
    rules: tuple[FieldRule, ...],
    *,
    missing: object,
    add: Callable[[dict[str, list[str]], str, list[str]], None],
    apply: Callable[[FieldRule, str, str, Any, dict[str, list[str]]], None],
    expand: Callable[[FieldRule, Any], Iterable[tuple[str, str, Any]]],
) -> CompiledFields:
    """Compile `rules` into one function (see `CompiledFields`).

    Args:
        name: the schema's name, for the function's name.
        rules: the fields' rules, in the order their messages come.
        missing: the marker of an absent value.
        add: appends messages to a path's errors.
        apply: checks one value of a rule, the uncompiled way (used for ``*`` rules).
        expand: (path, displayed attribute, value) of each item a ``*`` rule covers.
    """
    body: list[str] = []
    objects = _Objects()  # every lookup is at the function's top level: a local set once
    for index, rule in enumerate(rules):
        body.extend(
            _wildcard(index, rule, objects) if rule.wildcard else _field(index, rule, objects)
        )
    function = "validate_" + "".join(ch if ch.isalnum() else "_" for ch in name)
    source = "\n".join([f"def {function}(data, errors):", *("    " + line for line in body), ""])
    namespace: dict[str, Any] = {
        "M": missing,
        "R": rules,
        "P": tuple(rule.path for rule in rules),
        "A": tuple(rule.attribute for rule in rules),
        "C": tuple(rule.check for rule in rules),
        "REQUIRED": tuple(f"The {rule.attribute} field is required." for rule in rules),
        "add": add,
        "apply": apply,
        "expand": expand,
        "NONE": MappingProxyType({}),
        "CONTAINERS": frozenset({list, tuple, dict}),
        "INF": math.inf,
        "INT64_MAX": INT64_MAX,
        "TRIM": "".join(sorted(TRIMMED)),
        "IS_EMAIL": is_email,
        "IS_URL": is_url,
        "IS_DATE": is_date,
    }
    # The source is built from the schema's own rules (paths are repr()-quoted literals),
    # never from input: the same technique attrs and cattrs use for their generated methods.
    exec(compile(source, f"<shopbridge compiled {name} rules>", "exec"), namespace)  # noqa: S102
    compiled: CompiledFields = namespace[function]
    compiled.source = source
    return compiled
