"""The reference reading of a `Schema`: a body walked field by field, as the rules are written.

Every error is collected, keyed by the dot path FastAPI's ``loc`` would give
(``order.address.zip_code``, ``trackings.0.tracking_number``), with pydantic's message, reason
suffix included (``Input should be a valid integer, unable to parse string as an integer``).
What pydantic's lax mode coerces is accepted (``"2"`` for an integer, ``"49.90"`` for a number,
``"yes"`` for a boolean, Unix seconds for a datetime: `shopbridge.karla._lax`).

This walk is the definition; `shopbridge.karla._validation.compiled` is the same reading made
fast for the usual body, and calls back into `check_value` for any value it does not pass at a
glance, so that every message is written here only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shopbridge.karla import _lax
from shopbridge.karla._validation.schemas import Kind, Schema, Spec

__all__ = [
    "DICT_TYPE",
    "MODEL_TYPE",
    "check_object",
    "check_value",
    "extra_fields",
    "reference_validate",
]

MODEL_TYPE = "Input should be a valid dictionary or object to extract fields from"
DICT_TYPE = "Input should be a valid dictionary"


def _choices_text(choices: tuple[str, ...]) -> str:
    quoted = [f"'{choice}'" for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


_SCALARS: Mapping[Kind, Callable[[Any], Any]] = {
    Kind.INTEGER: _lax.as_int,
    Kind.NUMBER: _lax.as_float,
    Kind.BOOLEAN: _lax.as_bool,
    Kind.DATETIME: _lax.as_datetime,
    Kind.UUID: _lax.as_uuid,
}


def _type_error(spec: Spec, value: Any) -> str | None:  # noqa: PLR0911 - one return per kind
    # Identity tests, not a lookup keyed by `Kind`: an Enum's __hash__ is Python code, and
    # this runs for every field of every body.
    kind = spec.kind
    if kind is Kind.STRING:
        return None if isinstance(value, str) else "Input should be a valid string"
    if kind is Kind.INTEGER or kind is Kind.NUMBER or kind is Kind.BOOLEAN:
        result = _SCALARS[kind](value)
        return result.msg if isinstance(result, _lax.Refusal) else None
    if kind is Kind.DATETIME or kind is Kind.UUID:
        result = _SCALARS[kind](value)
        return result.msg if isinstance(result, _lax.Refusal) else None
    if kind is Kind.URL:
        url = _lax.as_url(value, max_length=spec.max_length)
        return url.msg if isinstance(url, _lax.Refusal) else None
    if kind is Kind.CHOICE:
        ok = isinstance(value, str) and value in spec.choices
        return None if ok else f"Input should be {_choices_text(spec.choices)}"
    if kind is Kind.LIST:
        return None if isinstance(value, list | tuple) else "Input should be a valid list"
    if isinstance(value, Mapping):
        return None
    # A typed object is a pydantic model; a free-form one and a map are a plain `dict`.
    return MODEL_TYPE if kind is Kind.OBJECT and spec.fields is not None else DICT_TYPE


def _length_error(spec: Spec, value: str) -> str | None:
    low, high = spec.min_length, spec.max_length
    if low is not None and len(value) < low:
        unit = "character" if low == 1 else "characters"
        return f"String should have at least {low} {unit}"
    if high is not None and len(value) > high:
        return f"String should have at most {high} characters"
    return None


def check_value(
    spec: Spec, value: Any, path: str, errors: dict[str, list[str]], *, reject_unknown: bool
) -> None:
    """Add the errors of one present value (at `path`) to `errors`."""
    problem = _type_error(spec, value)
    kind = spec.kind
    if problem is None and kind is Kind.STRING:
        if spec.min_length is None and spec.max_length is None:
            return  # the common case: any string
        problem = _length_error(spec, value)
    if problem is not None:
        errors.setdefault(path, []).append(problem)
        return
    if kind is Kind.OBJECT and spec.fields is not None:
        check_object(spec.fields, value, path, errors, reject_unknown=reject_unknown)
    elif kind is Kind.LIST and spec.item is not None:
        for index, item in enumerate(value):
            check_value(spec.item, item, f"{path}.{index}", errors, reject_unknown=reject_unknown)
    elif spec.kind is Kind.MAP and spec.item is not None:
        for key, item in value.items():
            check_value(spec.item, item, f"{path}.{key}", errors, reject_unknown=reject_unknown)


_ABSENT: Any = object()


def check_object(
    schema: Schema,
    data: Mapping[str, Any],
    prefix: str,
    errors: dict[str, list[str]],
    *,
    reject_unknown: bool,
) -> None:
    """Add the errors of an object's fields (the object at `prefix`) to `errors`."""
    get = data.get
    for name, spec in schema.items():
        value = get(name, _ABSENT)
        if value is _ABSENT:
            if spec.required:
                errors.setdefault(f"{prefix}.{name}" if prefix else name, []).append(
                    "Field required"
                )
            continue
        if value is None and not spec.required:
            continue  # an optional field is `X | None`: null is its default
        # A required field given null is there, of the wrong type ("Input should be a valid
        # string"), not missing.
        check_value(
            spec,
            value,
            f"{prefix}.{name}" if prefix else name,
            errors,
            reject_unknown=reject_unknown,
        )
    if reject_unknown and len(data) > 0:
        extra_fields(schema, data, prefix, errors)


def extra_fields(
    schema: Schema, data: Mapping[str, Any], prefix: str, errors: dict[str, list[str]]
) -> None:
    """Add an error for each field of `data` that `schema` does not know."""
    for name in data:
        if name not in schema:
            path = f"{prefix}.{name}" if prefix else str(name)
            errors.setdefault(path, []).append("Extra inputs are not permitted")


def reference_validate(
    schema: Schema, data: Any, *, reject_unknown: bool = True
) -> dict[str, list[str]]:
    """`shopbridge.karla._validation.validate`, read the slow way: what the fast one must equal."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        errors[""] = [MODEL_TYPE]
        return errors
    check_object(schema, data, "", errors, reject_unknown=reject_unknown)
    return errors
