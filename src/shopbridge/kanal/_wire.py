"""Kanal's private cattrs converter: models to JSON-ready values and answers back to models.

The only place that knows how Kanal's JSON is spelt: timestamps as ISO 8601, amounts as exact
decimals, lists as lists, optional request fields left out rather than sent as null.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from cattrs import Converter
from cattrs.gen import make_dict_unstructure_fn

from shopbridge.kanal._models import (
    Checkout,
    CheckoutUpdate,
    Customer,
    Order,
    OrderUpdate,
    Shipment,
    Unset,
)

if typing.TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["from_wire", "to_wire", "to_wire_mapping"]

_T = TypeVar("_T")

_REQUEST_TYPES = (Customer, Order, OrderUpdate, Checkout, CheckoutUpdate, Shipment)


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, bool):
        msg = f"{value!r} is not an amount"
        raise TypeError(msg)
    if isinstance(value, Decimal):
        return value
    try:
        # str() first: a float's shortest repr (49.9), not its binary expansion.
        return Decimal(str(value))
    except InvalidOperation:
        msg = f"{value!r} is not an amount"
        raise ValueError(msg) from None


def _structure_money(value: Any, _type: Any) -> Decimal | int | float:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return _structure_decimal(value, Decimal)


def _structure_datetime(value: Any, _type: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        msg = f"{value!r} is not an ISO 8601 timestamp"
        raise TypeError(msg)
    return datetime.fromisoformat(value)


def _structure_str_tuple(value: Any, _type: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        msg = f"{value!r} is not a list of strings"
        raise TypeError(msg)
    return tuple(map(str, value))


def _structure_optional_str(value: Any, _type: Any) -> str | None:
    return value if value is None or type(value) is str else str(value)


def _structure_optional_int(value: Any, _type: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    if isinstance(value, bool):
        msg = f"{value!r} is not an integer"
        raise TypeError(msg)
    return int(value)


def _union_args(type_: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(type_)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(type_)
    return ()


def _has_unset(type_: Any) -> bool:
    return Unset in _union_args(type_)


def _make_converter() -> Converter:
    # Answers that do not fit are reported as one "unreadable answer" error, so cattrs's
    # per-field exception groups would be built for nothing: lean generated code instead.
    converter = Converter(forbid_extra_keys=False, detailed_validation=False)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(Decimal, lambda value: value)
    converter.register_unstructure_hook(tuple, list)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_structure_hook(Decimal | int | float, _structure_money)
    # Optional scalars are most of an answer's fields: read them without cattrs's generic
    # union dispatch.
    converter.register_structure_hook_func(
        lambda type_: type_ == tuple[str, ...], _structure_str_tuple
    )
    converter.register_structure_hook(str | None, _structure_optional_str)
    converter.register_structure_hook(int | None, _structure_optional_int)
    converter.register_structure_hook(
        Decimal | None, lambda value, _: None if value is None else _structure_decimal(value, 0)
    )
    converter.register_structure_hook(
        datetime | None, lambda value, _: None if value is None else _structure_datetime(value, 0)
    )

    def structure_without_unset(value: Any, type_: Any) -> Any:
        if value is Unset.UNSET:
            return value
        rest = tuple(arg for arg in _union_args(type_) if arg is not Unset)
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007 - built at run time
        return converter.structure(value, inner)

    converter.register_structure_hook_func(_has_unset, structure_without_unset)
    for cls in _REQUEST_TYPES:
        # Optional fields default to None (or UNSET) and are left out of the JSON.
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
        )
    return converter


_converter = _make_converter()


def to_wire(record: Any) -> dict[str, Any]:
    """A request model as the JSON object Kanal expects."""
    data = _converter.unstructure(record)
    if not isinstance(data, dict):  # pragma: no cover - every request model is an attrs class
        msg = f"{type(record).__name__} does not unstructure to a JSON object"
        raise TypeError(msg)
    return data


def to_wire_mapping(record: Mapping[str, Any]) -> dict[str, Any]:
    """A plain mapping, ready to validate and encode, copied only where it must be.

    Values are left as given, so that validation sees what the server would: `datetime`,
    `date`, `Decimal` and tuples are valid as they are (the encoder writes them as ISO 8601,
    exact digits and arrays). Only a model given as a value (``{"customer": Customer(...)}``)
    is unstructured, and a mapping that is not a `dict` is copied into one.
    """
    if type(record) is dict:
        # A loop, not any() over a generator: this runs on every call with a mapping.
        for value in record.values():
            kind = type(value)
            if kind not in _JSON_TYPES and hasattr(kind, "__attrs_attrs__"):
                break
        else:
            return record
    return {
        str(key): _converter.unstructure(value) if _is_model(value) else value
        for key, value in record.items()
    }


_JSON_TYPES = frozenset({str, int, float, bool, type(None), dict, list, tuple, Decimal})


def _is_model(value: object) -> bool:
    kind = type(value)
    return kind not in _JSON_TYPES and hasattr(kind, "__attrs_attrs__")


def from_wire(data: Any, cls: type[_T]) -> _T:
    """Read an answer into `cls` (unknown fields ignored).

    Raises:
        Exception: whatever cattrs raises when `data` does not fit `cls`.
    """
    return _converter.structure(data, cls)
