"""A `Schema` compiled into straight-line Python functions, as attrs, cattrs and Kanal's rules are.

Validating a body is on every call's path; walking the schema as data costs, per field, a few
function calls, an f-string for its path and a dozen attribute lookups. The compiled function of
an object reads each field with a literal key, skips an absent or null optional field in one
comparison, lets a value of exactly the right type through with one ``type(v) is ...`` test,
hands a nested object to the compiled function of its own schema, and builds a path only when
it has something to say there. Any value it does not pass at a glance (a string for an integer,
a datetime, a ``dict`` subclass, anything wrong) goes to the reference reading,
`shopbridge.karla._validation.checks.check_value`, which writes every message: the two readings
cannot word an error differently, and a test holds them equal on many bodies, valid and not,
errors' order included. ``compiled(schema).source`` shows the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from shopbridge.karla._validation import schemas
from shopbridge.karla._validation.checks import check_value, extra_fields
from shopbridge.karla._validation.schemas import Kind, Schema, Spec

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["CompiledSchema", "compiled"]


class CompiledSchema(Protocol):
    """``(data, prefix, errors, reject_unknown)``: adds the errors of `data` (a dict) at `prefix`.

    `prefix` is the object's own dot path (``""`` for the body itself).
    """

    source: str

    def __call__(  # positional only: generated code calls it, as cheaply as it can
        self,
        data: dict[str, Any],
        prefix: str,
        errors: dict[str, list[str]],
        reject_unknown: bool,  # noqa: FBT001
        /,
    ) -> None: ...


_ABSENT: Any = object()
# A float's range: `float()` of a larger integer raises instead of answering (see _lax.as_float).
_FLOAT_SAFE = 2**1023


class _Writer:
    """The source of one schema's function, and the constants it refers to by index."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.constants: list[object] = []

    def constant(self, value: object) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def accepts(self, spec: Spec, var: str) -> str | None:  # noqa: PLR0911 - one per kind
        """A cheap test true only of values `check_value` passes silently, or ``None``."""
        kind = spec.kind
        if kind is Kind.STRING:
            low = "" if spec.min_length is None else f" and len({var}) >= {spec.min_length}"
            high = "" if spec.max_length is None else f" and len({var}) <= {spec.max_length}"
            return f"type({var}) is str{low}{high}"
        if kind is Kind.INTEGER:
            return f"type({var}) is int"
        if kind is Kind.NUMBER:
            return (
                f"type({var}) is float or (type({var}) is int and -FLOAT_SAFE < {var} < FLOAT_SAFE)"
            )
        if kind is Kind.BOOLEAN:
            return f"type({var}) is bool"
        if kind is Kind.CHOICE:
            return f"type({var}) is str and {var} in {self.constant(frozenset(spec.choices))}"
        if kind is Kind.OBJECT or kind is Kind.MAP:
            return f"type({var}) is dict"
        if kind is Kind.LIST:
            return f"type({var}) is list"
        return None  # a datetime, a UUID, a URL: parsed, so always read the reference way

    def value(self, spec: Spec, var: str, path: str, depth: int, field: str) -> Iterator[str]:
        """Lines checking `var` (present, and not a null optional) at the path `path` computes."""
        slow = f"check({self.constant(spec)}, {var}, {path}, errors, reject_unknown=reject_unknown)"
        kind, item = spec.kind, spec.item
        if kind is Kind.OBJECT and spec.fields is not None:
            function = self.constant(compiled(spec.fields, f"{self.name}_{field}"))
            yield f"if type({var}) is dict:"
            yield f"    {function}({var}, {path}, errors, reject_unknown)"
            yield "else:"
            yield f"    {slow}"
        elif (kind is Kind.LIST or kind is Kind.MAP) and item is not None:
            key, each = f"k{depth}", f"x{depth}"
            if kind is Kind.LIST:
                yield f"if type({var}) is list:"
                yield f"    for {key}, {each} in enumerate({var}):"
                inner = f"({path} + '.' + str({key}))"
            else:
                yield f"if type({var}) is dict:"
                yield f"    for {key}, {each} in {var}.items():"
                inner = f"({path} + '.' + format({key}))"  # f"{path}.{key}", as checks writes it
            for line in self.value(item, each, inner, depth + 1, f"{field}_item"):
                yield "        " + line
            yield "else:"
            yield f"    {slow}"
        else:
            accepts = self.accepts(spec, var)
            if accepts is None:
                yield slow
            else:
                yield f"if not ({accepts}):"
                yield f"    {slow}"

    def fields(self, schema: Schema) -> Iterator[str]:
        for name, spec in schema.items():
            path = f"(prefix + {'.' + name!r} if prefix else {name!r})"
            yield f"# {name}"
            yield f"v = get({name!r}, M)"
            if spec.required:
                yield "if v is M:"
                yield f"    errors.setdefault({path}, []).append(REQUIRED)"
                yield "else:"  # a required null is of the wrong type: the check says so
            else:
                yield "if v is not M and v is not None:"  # null is an optional field's default
            for line in self.value(spec, "v", path, 0, name):
                yield "    " + line
        known, itself = self.constant(frozenset(schema)), self.constant(schema)
        yield "if reject_unknown and not (data.keys() <= " + known + "):"
        yield f"    extra({itself}, data, prefix, errors)"


def _compile(schema: Schema, name: str) -> CompiledSchema:
    writer = _Writer(name)
    body = list(writer.fields(schema))
    function = "check_" + "".join(ch if ch.isalnum() else "_" for ch in name)
    source = "\n".join(
        [
            f"def {function}(data, prefix, errors, reject_unknown):",
            "    get = data.get",
            *("    " + line for line in body),
            "",
        ]
    )
    namespace: dict[str, Any] = {
        "FLOAT_SAFE": _FLOAT_SAFE,
        "K": tuple(writer.constants),
        "M": _ABSENT,
        "REQUIRED": "Field required",
        "check": check_value,
        "extra": extra_fields,
    }
    # The source is built from the schema's own names (repr()-quoted literals) and kinds, never
    # from input: the same technique attrs and cattrs use for their generated methods.
    exec(compile(source, f"<shopbridge compiled {name} shape>", "exec"), namespace)  # noqa: S102
    result: CompiledSchema = namespace[function]
    result.source = source
    return result


_CACHE: dict[int, tuple[Schema, CompiledSchema]] = {}
"""Compiled functions by ``id`` of their schema (a mapping, unhashable), the schema kept alive."""
_NAMES = {
    id(value): name
    for name, value in vars(schemas).items()
    if name.isupper() and not name.startswith("_") and isinstance(value, dict)
}


def compiled(schema: Schema, name: str = "body") -> CompiledSchema:
    """The function of `schema`, compiled on first use and kept.

    Args:
        schema: the object's fields.
        name: what to call it in the source, when it is not one of the named schemas.
    """
    entry = _CACHE.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    result = _compile(schema, _NAMES.get(id(schema), name))
    _CACHE[id(schema)] = (schema, result)
    return result
