"""Karla's product catalogue in the sandbox (``specs/karla.md`` §2.11, from the Shopware plugin).

The sandbox stores a product as one ``products`` record keyed by its ``product_id``, holding
its variants by ``variant_id`` (``/_sandbox/shops/{slug}/products/{product_id}``), so that
``DELETE /products/{product_id}`` removes a product with every one of its variants at once.

* ``POST /products`` upserts each variant of its list, in order (a variant given twice ends as
  the last one); FastAPI validates the whole list first, so a list with one bad item stores
  nothing and answers one 422 naming it by index (``["body", 3, "price"]``). It answers the
  variants as stored.
* ``PUT /products/{product_id}/variants/{variant_id}`` upserts one, the ids from the path
  (ids in the body are ignored, as FastAPI ignores unknown fields), and answers it.
* An upsert replaces a variant whole (a field left out becomes null), keeping its
  ``created_at``; a deleted product's ids start afresh.
* ``DELETE /products/{product_id}`` answers the product with its variants; the errors page
  has no ``product_not_found``, so an unknown product answers FastAPI's
  ``404 {"detail": "Product not found"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shopbridge.karla.sandbox._models import PRODUCT_VARIANT, VARIANT_DETAILS
from shopbridge.karla.sandbox._schema import ListOf
from shopbridge.karla.sandbox._state import Call, Endpoint, KarlaState
from shopbridge.karla.sandbox._wire import DetailError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ENDPOINTS", "find_variant"]

_RESOURCE = "products"
_DETAILS = tuple(spec.name for spec in VARIANT_DETAILS.fields)


def find_variant(
    state: KarlaState, shop: str, product_id: str, variant_id: str
) -> dict[str, Any] | None:
    """A live variant as stored; ``None`` if the product or the variant does not exist."""
    product = state.live(shop, _RESOURCE, product_id)
    if product is None:
        return None
    variant = product["variants"].get(variant_id)
    return None if variant is None else dict(variant)


def _upsert(
    state: KarlaState, shop: str, product_id: str, variant_id: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    now = state.now()
    product = state.live(shop, _RESOURCE, product_id) or {
        "product_id": product_id,
        "variants": {},
        "created_at": now,
    }
    previous = product["variants"].get(variant_id)
    variant = {
        "product_id": product_id,
        "variant_id": variant_id,
        **{name: fields.get(name) for name in _DETAILS},
        "created_at": previous["created_at"] if previous is not None else now,
        "updated_at": now,
    }
    variants = {**product["variants"], variant_id: variant}
    state.put(shop, _RESOURCE, product_id, {**product, "variants": variants, "updated_at": now})
    return variant


def _upsert_many(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    return [
        _upsert(state, call.slug, item["product_id"], item["variant_id"], item)
        for item in call.body
    ]


def _upsert_variant(state: KarlaState, call: Call) -> dict[str, Any]:
    return _upsert(state, call.slug, call.path["product_id"], call.path["variant_id"], call.body)


def _delete_product(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, _RESOURCE, call.path["product_id"])
    if deleted is None:
        raise DetailError(404, "Product not found")
    return deleted


_PRODUCTS = "/shops/{slug}/products"

ENDPOINTS = (
    Endpoint(
        method="POST", pattern=_PRODUCTS, handler=_upsert_many, body=ListOf(item=PRODUCT_VARIANT)
    ),
    Endpoint(
        method="PUT",
        pattern=f"{_PRODUCTS}/{{product_id}}/variants/{{variant_id}}",
        handler=_upsert_variant,
        body=VARIANT_DETAILS,
    ),
    Endpoint(method="DELETE", pattern=f"{_PRODUCTS}/{{product_id}}", handler=_delete_product),
)
"""The catalogue's operations; the paths are below ``/v1``."""
