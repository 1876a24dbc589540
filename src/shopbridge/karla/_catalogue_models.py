"""Karla's product catalogue: the variants a merchant syncs from its ERP or PIM (spec §2.11).

Karla's catalogue is a set of variants, each named by the merchant's own ``product_id`` and
``variant_id`` (a product without variants is one variant whose ``variant_id`` is its own id,
as the official Shopware plugin sends it). ``POST /products`` upserts a list of them, ``PUT
/products/{product_id}/variants/{variant_id}`` one, and ``DELETE /products/{product_id}``
removes a product with all its variants. Only the two ids are required: the Shopware plugin
sends ``null`` for every other field it cannot fill.

The spec documents no answer for these endpoints, so the client reads them untyped.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

__all__ = ["ProductVariant", "VariantTranslation"]


@frozen(kw_only=True)
class VariantTranslation:
    """A variant's title in one language (``translations.de.title`` in a CSV export)."""

    title: str


def _translations(
    values: Mapping[str, VariantTranslation | Mapping[str, Any]] | None,
) -> Mapping[str, VariantTranslation | Mapping[str, Any]] | None:
    # Read-only, so that a frozen variant cannot change under a running push.
    return None if values is None else MappingProxyType(dict(values))


@frozen(kw_only=True)
class ProductVariant:
    """One variant of the catalogue: an item of ``POST /products``, or one ``PUT``.

    Attributes:
        product_id: the product's id in the shop system (the parent of the variants).
        variant_id: the variant's id (for a product without variants: its own id again).
        title: the product's title.
        variant_title: the variant's own title (``"Blue / XL"``); ``None`` for a product
            without variants.
        price: its price, gross.
        sku: its stock-keeping unit (Shopware's product number).
        product_url: its page in the storefront.
        image_url: its cover image.
        translations: its title in other languages, by language code (``{"de": {"title":
            "Becher"}}``).
    """

    product_id: str
    variant_id: str
    title: str | None = None
    variant_title: str | None = None
    price: Decimal | int | float | None = None
    sku: str | None = None
    product_url: str | None = None
    image_url: str | None = None
    translations: Mapping[str, VariantTranslation | Mapping[str, Any]] | None = field(
        default=None, converter=_translations, eq=False
    )
