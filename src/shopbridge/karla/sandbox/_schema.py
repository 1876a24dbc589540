"""Request validation as Karla's FastAPI (pydantic v2, lax mode) does it, for the sandbox.

A *kind* checks one value and returns it normalised (a UUID in canonical form, a time in ISO
8601 with an offset), appending pydantic's error items for what it rejects. The scalar kinds
are pydantic's lax mode as `shopbridge.karla._lax` has it, the module the client validates
with too, so the sandbox and the client cannot disagree. Every error is
collected, not the first only, with its ``loc`` (``["body", "order", "address", "zip_code"]``)
and pydantic's ``type`` and ``msg``. Unknown fields are ignored, as pydantic does by default;
optional fields accept ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any, Protocol

import orjson
from attrs import frozen

from shopbridge.karla import _lax
from shopbridge.karla.sandbox._wire import Loc, field_error

__all__ = [
    "Boolean",
    "Choice",
    "DateTime",
    "DictOf",
    "Errors",
    "Field",
    "Free",
    "Integer",
    "Kind",
    "ListOf",
    "Model",
    "Number",
    "Text",
    "Url",
    "Uuid",
    "parse_json_body",
]

Errors = list[dict[str, Any]]


def _refused(refusal: _lax.Refusal, loc: Loc, value: Any, errors: Errors) -> None:
    errors.append(field_error(loc, refusal.msg, refusal.type, value=value, ctx=refusal.ctx))


class Kind(Protocol):
    """Checks one value; returns it normalised, or ``None`` after appending errors."""

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """Check `value` found at `loc`."""


@frozen(kw_only=True)
class Text:
    """``str``, optionally with a length range."""

    min_length: int | None = None
    max_length: int | None = None

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if not isinstance(value, str):
            errors.append(
                field_error(loc, "Input should be a valid string", "string_type", value=value)
            )
            return None
        if self.min_length is not None and len(value) < self.min_length:
            plural = "s" if self.min_length != 1 else ""
            errors.append(
                field_error(
                    loc,
                    f"String should have at least {self.min_length} character{plural}",
                    "string_too_short",
                    value=value,
                    ctx={"min_length": self.min_length},
                )
            )
            return None
        if self.max_length is not None and len(value) > self.max_length:
            errors.append(
                field_error(
                    loc,
                    f"String should have at most {self.max_length} characters",
                    "string_too_long",
                    value=value,
                    ctx={"max_length": self.max_length},
                )
            )
            return None
        return value


@frozen(kw_only=True)
class Integer:
    """``int``: integers, booleans, integral floats and integer strings, with optional bounds."""

    gt: int | None = None
    le: int | None = None

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        number = _lax.as_int(value)
        if isinstance(number, _lax.Refusal):
            _refused(number, loc, value, errors)
            return None
        if self.gt is not None and number <= self.gt:
            errors.append(
                field_error(
                    loc,
                    f"Input should be greater than {self.gt}",
                    "greater_than",
                    value=value,
                    ctx={"gt": self.gt},
                )
            )
            return None
        if self.le is not None and number > self.le:
            errors.append(
                field_error(
                    loc,
                    f"Input should be less than or equal to {self.le}",
                    "less_than_equal",
                    value=value,
                    ctx={"le": self.le},
                )
            )
            return None
        return number


@frozen(kw_only=True)
class Number:
    """``float``: numbers, booleans and numeric strings (``nan`` and ``inf`` too, as pydantic)."""

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value  # kept as given: an integral price stays an int in the answer
        number = _lax.as_float(value)
        if isinstance(number, _lax.Refusal):
            _refused(number, loc, value, errors)
            return None
        return number


@frozen(kw_only=True)
class Boolean:
    """``bool``: booleans, 0 and 1, and pydantic's words (``"true"``, ``"no"``...)."""

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        flag = _lax.as_bool(value)
        if isinstance(flag, _lax.Refusal):
            _refused(flag, loc, value, errors)
            return None
        return flag


@frozen(kw_only=True)
class DateTime:
    """``datetime``: ISO 8601 text or Unix seconds; returned as ISO 8601 in UTC (``+00:00``).

    A time without an offset is taken as UTC.
    """

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        moment = _lax.as_datetime(value)
        if isinstance(moment, _lax.Refusal):
            _refused(moment, loc, value, errors)
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()


@frozen(kw_only=True)
class Uuid:
    """``UUID``: returned in canonical lower-case form."""

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        parsed = _lax.as_uuid(value)
        if isinstance(parsed, _lax.Refusal):
            _refused(parsed, loc, value, errors)
            return None
        return str(parsed)


@frozen(kw_only=True)
class Url:
    """``AnyUrl``, optionally no longer than `max_length`: an absolute URL, kept as given."""

    max_length: int | None = None

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        url = _lax.as_url(value, max_length=self.max_length)
        if isinstance(url, _lax.Refusal):
            _refused(url, loc, value, errors)
            return None
        return url


@frozen(kw_only=True)
class Choice:
    """A string enum."""

    values: tuple[str, ...]

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if isinstance(value, str) and value in self.values:
            return value
        quoted = [f"'{choice}'" for choice in self.values]
        expected = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        errors.append(
            field_error(
                loc, f"Input should be {expected}", "enum", value=value, ctx={"expected": expected}
            )
        )
        return None


@frozen(kw_only=True)
class Free:
    """A free-form JSON object (``dict``)."""

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if isinstance(value, dict):
            return value
        errors.append(
            field_error(loc, "Input should be a valid dictionary", "dict_type", value=value)
        )
        return None


@frozen(kw_only=True)
class ListOf:
    """A list whose items are all of one kind."""

    item: Kind

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if not isinstance(value, list):
            errors.append(
                field_error(loc, "Input should be a valid list", "list_type", value=value)
            )
            return None
        before = len(errors)
        checked = [self.item.check(item, (*loc, index), errors) for index, item in enumerate(value)]
        return checked if len(errors) == before else None


@frozen(kw_only=True)
class DictOf:
    """A ``dict[str, ...]``: any keys (JSON's are text), every value of one kind."""

    value: Kind

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if not isinstance(value, dict):
            errors.append(
                field_error(loc, "Input should be a valid dictionary", "dict_type", value=value)
            )
            return None
        before = len(errors)
        checked = {key: self.value.check(item, (*loc, key), errors) for key, item in value.items()}
        return checked if len(errors) == before else None


@frozen(kw_only=True)
class Field:
    """One field of a model.

    Attributes:
        name: the wire name.
        kind: what its value must be.
        required: whether it must be present (and not ``null``).
        default: makes the value of an absent field (``None`` when not given).
    """

    name: str
    kind: Kind
    required: bool = False
    default: Callable[[], Any] | None = None


@frozen(kw_only=True)
class Model:
    """A JSON object with known fields.

    Attributes:
        fields: the fields, in wire order.
        partial: keep only the fields present (a PATCH body), without defaults.
    """

    fields: tuple[Field, ...]
    partial: bool = False

    def check(self, value: Any, loc: Loc, errors: Errors) -> Any:
        """See `Kind`."""
        if not isinstance(value, dict):
            message = "Input should be a valid dictionary or object to extract fields from"
            errors.append(field_error(loc, message, "model_attributes_type", value=value))
            return None
        before = len(errors)
        checked: dict[str, Any] = {}
        for spec in self.fields:
            where = (*loc, spec.name)
            if spec.name not in value:
                if spec.required:
                    errors.append(field_error(where, "Field required", "missing", value=value))
                elif not self.partial:
                    checked[spec.name] = spec.default() if spec.default is not None else None
                continue
            item = value[spec.name]
            if item is None and not spec.required:
                checked[spec.name] = None
                continue
            checked[spec.name] = spec.kind.check(item, where, errors)
        return checked if len(errors) == before else None

    def names(self) -> frozenset[str]:
        """The wire names of the fields."""
        return frozenset(spec.name for spec in self.fields)


def parse_json_body(raw: bytes, content_type: str | None, errors: Errors) -> Any:
    """The JSON body as FastAPI reads it; errors for an absent or undecodable one.

    Args:
        raw: the body's bytes.
        content_type: the ``Content-Type`` header, if any.
        errors: where the errors go.

    Returns:
        The decoded JSON, or ``None`` after appending an error.
    """
    if not raw.strip():
        errors.append(field_error(("body",), "Field required", "missing"))
        return None
    if content_type is not None and not _is_json(content_type):
        # FastAPI does not decode a body labelled otherwise: the model then meets bytes.
        message = "Input should be a valid dictionary or object to extract fields from"
        errors.append(
            field_error(
                ("body",), message, "model_attributes_type", value=raw.decode("utf-8", "replace")
            )
        )
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        errors.append(
            field_error(
                ("body", exc.pos),
                "JSON decode error",
                "json_invalid",
                value={},
                ctx={"error": exc.msg},
            )
        )
        return None


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def parse_query(
    fields: tuple[Field, ...], query: Mapping[str, str], errors: Errors
) -> dict[str, Any]:
    """The query parameters of `fields` (absent ones are ``None`` or their default)."""
    checked: dict[str, Any] = {}
    for spec in fields:
        if spec.name not in query:
            checked[spec.name] = spec.default() if spec.default is not None else None
            continue
        checked[spec.name] = spec.kind.check(query[spec.name], ("query", spec.name), errors)
    return checked
