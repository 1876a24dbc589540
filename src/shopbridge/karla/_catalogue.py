"""The product catalogue of `AsyncKarla` (``specs/karla.md`` §2.11): what an ERP or PIM syncs.

``products.push_many`` is the nightly job: a whole catalogue, thousands of variants with their
translations, upserted in batches through ``POST /products`` with the bulk runner's dead letter,
checkpoint and progress. `upsert_many` is one such request, `upsert_variant` one variant
(``PUT``), `delete` a product with all its variants. Every one of them is an upsert or a delete,
which Karla holds once however often it is sent: retried freely, and resumed harmlessly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

from shopbridge.karla import _bulk as bulk
from shopbridge.karla._endpoints import PRODUCT_BULK_UPSERT, PRODUCT_DELETE, PRODUCT_VARIANT_UPSERT
from shopbridge.karla._resources import Body, Resource
from shopbridge.karla._wire import to_wire

if TYPE_CHECKING:
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._catalogue_models import ProductVariant

__all__ = ["AsyncProducts"]

_IDS = ("product_id", "variant_id")


class AsyncProducts(Resource):
    """``/products``: the catalogue's variants, upserted in bulk or one by one; products deleted."""

    async def upsert_many(self, variants: Sequence[ProductVariant | Body]) -> Any:
        """Create or update many variants in one request (``POST /products``).

        Field errors are keyed by the variant's index first (``3.translations.de.title``).

        Returns:
            Karla's answer (not documented in its spec), unwrapped.
        """
        return (await self._api.call(PRODUCT_BULK_UPSERT, list(variants))).read()

    async def upsert_variant(self, variant: ProductVariant | Body) -> Any:
        """Create or update one variant (``PUT /products/{product_id}/variants/{variant_id}``).

        The ids go in the path, each percent-encoded as one segment; the other fields are the
        body.

        Raises:
            ValidationError: an id is missing or not a string, or a field breaks Karla's
                shapes; nothing was sent.
        """
        data = to_wire(variant)
        if not isinstance(data, Mapping):
            return (await self._api.call(PRODUCT_VARIANT_UPSERT, data)).read()
        body = {name: value for name, value in data.items() if name not in _IDS}
        ids = {name: data.get(name) for name in _IDS}
        return (await self._api.call(PRODUCT_VARIANT_UPSERT, body, **ids)).read()

    async def delete(self, product_id: str) -> None:
        """Delete a product and every one of its variants (``DELETE /products/{product_id}``).

        A DELETE retried after an ambiguous failure that meets 404 is done: already gone.
        """
        await self._api.call(PRODUCT_DELETE, product_id=product_id)

    async def push_many(
        self,
        variants: Records,
        *,
        batch_size: int = bulk.DEFAULT_BATCH_SIZE,
        **options: Unpack[PushOptions],
    ) -> BulkReport:
        """Upsert a whole catalogue, `batch_size` variants per ``POST /products``.

        Each variant ends in an outcome of its own: ``upserted`` when its batch was accepted.
        A batch Karla refuses (422, 413) is split, so one bad variant never takes its
        neighbours down: the variants the refusal names are ``rejected`` with their own field
        errors, the others are sent again (bisected when the refusal names none). The client's
        own validation works the same way, before anything is sent.

        Args:
            variants: a JSONL or CSV path (``-``: stdin; translations as dotted columns,
                ``translations.de.title``), an iterable or an async iterable of variants
                (`ProductVariant` or mappings).
            batch_size: variants per request (default `DEFAULT_BATCH_SIZE`, 100).
            **options: see `PushOptions`; ``concurrency`` counts requests (batches) in flight.

        Returns:
            The report: one outcome per variant, counts that add up to the input.

        Raises:
            ConfigurationError: `batch_size` or an option is out of range.
        """

        def upsert(batch: list[Any]) -> Any:
            return self._api.call(PRODUCT_BULK_UPSERT, batch)

        return await bulk.push_batches(
            self._api,
            variants,
            upsert,
            resource="products",
            batch_size=batch_size,
            options=options,
        )
