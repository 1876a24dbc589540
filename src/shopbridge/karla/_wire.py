"""Karla's private cattrs converter: models to JSON-ready values and answers back to models.

The only place that knows how Karla's JSON is spelt: snake_case names (the models' own), ISO
8601 timestamps, amounts as exact decimals, optional request fields left out rather than sent
as null; answers unwrapped from ``{data, metadata}``, their unknown fields kept in ``extra``,
and the names older answers used (``merchant_slug`` for a webhook's ``shop_slug``) read as
today's.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from shopbridge.karla import _catalogue_models as cm
from shopbridge.karla import _marketing_models as mm
from shopbridge.karla import _models as m
from shopbridge.karla import _shop_models as sm

__all__ = ["from_wire", "to_wire", "unwrap"]

_T = TypeVar("_T")

_REQUEST_TYPES: tuple[type, ...] = (
    m.Address,
    m.ProductImage,
    m.Product,
    m.OrderPlacement,
    m.OrderTracking,
    m.OrderUpsert,
    m.OrderUpdate,
    m.OrderShipmentUpdate,
    m.ShipmentEvent,
    sm.ShopCreate,
    sm.ShopUpdate,
    sm.WebhookCreate,
    sm.WebhookUpdate,
    sm.ClaimItem,
    sm.ClaimCreate,
    sm.ClaimUpdate,
    mm.CampaignRequest,
    mm.DiscountCreate,
    mm.DiscountUpdate,
    mm.AnnouncementCreate,
    mm.AnnouncementUpdate,
    cm.VariantTranslation,
    cm.ProductVariant,
    sm.ShopifyWebhookCreate,
)
# Older names of today's fields: read only when today's is absent.
_ALIASES: Mapping[type, Mapping[str, str]] = {
    sm.Webhook: {"merchant_slug": "shop_slug"},
    sm.Claim: {"merchant_slug": "shop_slug"},
    sm.ImageUpload: {"merchant_slug": "shop_slug"},
    sm.ShopifyWebhook: {"merchant_slug": "shop_slug"},
    mm.Campaign: {"merchant_slug": "shop_slug"},
    mm.Discount: {"merchant_slug": "shop_slug"},
}


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, bool):
        msg = f"{value!r} is not an amount"
        raise TypeError(msg)
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))  # str() first: a float's shortest repr, not its expansion
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


def _structure_str(value: Any, _type: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # an id Karla answers as a number is still an id
    msg = f"{value!r} is not a string"
    raise TypeError(msg)


def _isoformat(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _tolerant(converter: Converter, cls: type) -> Any:
    base: Any = make_dict_structure_fn(cls, converter)
    names = {a.name for a in attrs.fields(cls)}
    known = names - {"extra"}
    aliases = _ALIASES.get(cls, {})
    has_extra = "extra" in names

    def structure(value: Any, _type: Any) -> Any:
        if not isinstance(value, Mapping):
            msg = f"{cls.__name__} must be a JSON object, got {type(value).__name__}"
            raise TypeError(msg)
        data: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, item in value.items():
            name = aliases.get(key, key)
            if name in known and (name == key or name not in value):
                if item is not None:  # null means "not given": the field's default applies
                    data[name] = item
            else:
                extra[str(key)] = item
        if has_extra:
            data["extra"] = extra
        return base(data, cls)

    return structure


def _make_converter() -> Converter:
    converter = Converter(forbid_extra_keys=False, detailed_validation=False)
    # A model field given a value of another type is passed on as is, for validation to name.
    converter.register_unstructure_hook(datetime, _isoformat)
    converter.register_unstructure_hook(date, _isoformat)
    converter.register_unstructure_hook(Decimal, lambda value: value)
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_unstructure_hook(tuple, list)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_structure_hook(Decimal | int | float, _structure_money)
    converter.register_structure_hook(
        Decimal | int | float | None,
        lambda value, _: None if value is None else _structure_money(value, Decimal),
    )
    for cls in _REQUEST_TYPES:
        overrides: dict[str, Any] = (
            {"extra": override(omit=True)} if "extra" in attrs.fields_dict(cls) else {}
        )
        converter.register_unstructure_hook(
            cls,
            make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides),
        )
    # Every model with an `extra` field is an answer read tolerantly (WebhookEvent included,
    # which lives with the webhook receiver and is not imported here).
    converter.register_structure_hook_factory(
        lambda type_: attrs.has(type_) and "extra" in attrs.fields_dict(type_),
        lambda type_: _tolerant(converter, type_),
    )
    return converter


_converter = _make_converter()


def to_wire(record: Any) -> Any:
    """A request model (or a mapping or list holding models) as the JSON Karla expects.

    A body that is plain JSON already (dicts, lists, strings, numbers, booleans and nulls, the
    usual case for a mapping) is returned as it is: unstructuring would only copy it, value by
    value, into an equal one.
    """
    if type(record) is dict and _plain(record):
        return record
    if isinstance(record, Mapping) and not isinstance(record, dict):
        record = dict(record)
    return _converter.unstructure(record)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether `value` is JSON as cattrs would unstructure it: exact types, nothing to convert."""
    # A loop over a stack, not recursion: one call per body, not one per value.
    scalars = _SCALARS
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            for key, item in node.items():
                if type(key) is not str:
                    return False
                inner = type(item)
                if inner is dict or inner is list:
                    stack.append(item)
                elif inner not in scalars:
                    return False
        elif kind is list:
            for item in node:
                inner = type(item)
                if inner is dict or inner is list:
                    stack.append(item)
                elif inner not in scalars:
                    return False
        elif kind not in scalars:
            return False
    return True


def unwrap(data: Any) -> Any:
    """The resource of an answer: ``data`` of a ``{data[, metadata]}`` envelope, else as is."""
    if isinstance(data, Mapping) and "data" in data and set(data) <= {"data", "metadata"}:
        return data["data"]
    return data


def from_wire(data: Any, cls: type[_T]) -> _T:
    """Read an (unwrapped) answer into `cls`.

    Raises:
        Exception: whatever cattrs raises when `data` does not fit `cls`.
    """
    return _converter.structure(data, cls)
