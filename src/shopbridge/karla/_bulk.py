"""Karla's bulk pushes: order and catalogue upserts, campaign, discount and announcement creates.

``products.push_many`` upserts the catalogue's variants in batches (``POST /products``, an
upsert keyed by ``product_id`` and ``variant_id``, retried freely), each variant ``upserted``
on its own (`shopbridge.core.bulk._batches`). ``orders.push_many`` upserts (``PUT /orders``,
retried freely; Karla's answer does not say whether it created or updated, so a done upsert is
``upserted``); ``create_many`` on `AsyncCampaigns`, `AsyncDiscounts` and `AsyncAnnouncements`
creates (``POST``, not deduplicated): a create is ``created``, a 409 ``*_exists`` on its first
try is ``conflict`` (dead-lettered: it existed before), and a create retried after an ambiguous
failure that meets the 409 is ``already_existed`` (done: the lost attempt most likely created
it). The runner itself is `shopbridge.core.bulk._push`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shopbridge.core.bulk._batches import BatchingHandle, batch_options
from shopbridge.core.bulk._push import push_records, records_as_json
from shopbridge.core.bulk._report import BulkOutcome, Settled, settle
from shopbridge.karla._wire import to_wire

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from shopbridge.core._endpoint import Answer, Api
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._models import Created

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "batch_upsert_handler",
    "create_handler",
    "push",
    "push_batches",
    "record_json",
    "upsert_handler",
]

DEFAULT_BATCH_SIZE = 100
"""Variants per ``POST /products`` of ``products.push_many``. Karla documents no limit (spec
Q15); the Shopware plugin sends 50 products with their variants at a time. 100 keeps a body near
50 KB and a refused batch at 7 halvings from its bad variant."""

_KEY_FIELDS = {
    "orders": ("id_type", "id"),
    "products": ("product_id", "variant_id"),
    "campaigns": ("name",),
    "discounts": ("code",),
    "announcements": ("language",),
}
"""The fields that name a record: two records with the same ones are sent one after the other."""


record_json = records_as_json(to_wire)
"""A record as JSON-ready data, for its dead-letter row: models through Karla's converter."""


def _key_of(resource: str) -> Callable[[Any], object]:
    fields = _KEY_FIELDS[resource]

    def key(record: Any) -> object:
        data = record if isinstance(record, Mapping) else record_json(record)
        if not isinstance(data, Mapping) or data.get(fields[-1]) is None:
            return None
        return "/".join(str(data.get(name)) for name in fields)

    return key


def _upserted(answer: Answer[Any]) -> Settled:
    return Settled(outcome=BulkOutcome.UPSERTED, verdict=answer.verdict, attempts=answer.attempts)


def upsert_handler(
    upsert: Callable[[Any], Awaitable[Answer[Any]]],
) -> Callable[[Any], Awaitable[Settled]]:
    """Settle one order by upserting it (``PUT /orders``)."""
    return lambda record: settle(upsert(record), _upserted)


def batch_upsert_handler(
    upsert: Callable[[list[Any]], Awaitable[Answer[Any]]], *, size: int
) -> BatchingHandle:
    """Settle records by upserting them `size` at a time (``POST /products``), each on its own."""
    return BatchingHandle(lambda batch: settle(upsert(batch), _upserted), size=size)


def _created(created: Created[Any]) -> Settled:
    outcome = BulkOutcome.ALREADY_EXISTED if created.already_existed else BulkOutcome.CREATED
    return Settled(outcome=outcome, verdict=created.verdict, attempts=created.attempts)


def create_handler(
    create: Callable[[Any], Awaitable[Created[Any]]],
) -> Callable[[Any], Awaitable[Settled]]:
    """Settle one record by creating it (``POST``)."""
    return lambda record: settle(create(record), _created)


def push(
    api: Api,
    records: Records,
    handle: Callable[[Any], Awaitable[Settled]],
    *,
    resource: str,
    options: PushOptions,
) -> Awaitable[BulkReport]:
    """Run the bulk runner over `records` for one resource of `api`'s shop."""
    return push_records(
        records,
        handle,
        resource=resource,
        scope=api.scope,
        to_json=record_json,
        key_of=_key_of(resource),
        options=options,
        redactor=api.redactor,
    )


def push_batches(
    api: Api,
    records: Records,
    upsert: Callable[[list[Any]], Awaitable[Answer[Any]]],
    *,
    resource: str,
    batch_size: object,
    options: PushOptions,
) -> Awaitable[BulkReport]:
    """`push` through a bulk endpoint, `batch_size` records per request.

    Raises:
        ConfigurationError: `batch_size` or an option is out of range.
    """
    runner_options = batch_options(options, batch_size)
    size: int = batch_size  # type: ignore[assignment]  # batch_options has checked it
    handle = batch_upsert_handler(upsert, size=size)
    return push(api, records, handle, resource=resource, options=runner_options)
