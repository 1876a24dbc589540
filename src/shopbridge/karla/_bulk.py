"""Karla's bulk pushes: order upserts and campaign, discount and announcement creates.

``orders.push_many`` upserts (``PUT /orders``, retried freely; Karla's answer does not say
whether it created or updated, so a done upsert is ``upserted``); ``create_many`` on
`AsyncCampaigns`, `AsyncDiscounts` and `AsyncAnnouncements` creates (``POST``, not
deduplicated): a create is ``created``, a 409 ``*_exists`` on its first try is ``conflict``
(dead-lettered: it existed before), and a create retried after an ambiguous failure that
meets the 409 is ``already_existed`` (done: the lost attempt most likely created it). The runner
itself is `shopbridge.core.bulk._push`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shopbridge.core.bulk._push import push_records, records_as_json
from shopbridge.core.bulk._report import BulkOutcome, Settled, settle
from shopbridge.karla._wire import to_wire

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from shopbridge.core._engine import Reply
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.karla._client import AsyncKarla
    from shopbridge.karla._models import Created

__all__ = ["create_handler", "push", "record_json", "upsert_handler"]

_KEY_FIELDS = {
    "orders": ("id_type", "id"),
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


def _upserted(reply: Reply) -> Settled:
    return Settled(outcome=BulkOutcome.UPSERTED, verdict=reply.verdict, attempts=reply.attempts)


def upsert_handler(
    upsert: Callable[[Any], Awaitable[Reply]],
) -> Callable[[Any], Awaitable[Settled]]:
    """Settle one order by upserting it (``PUT /orders``)."""
    return lambda record: settle(upsert(record), _upserted)


def _created(created: Created[Any]) -> Settled:
    outcome = BulkOutcome.ALREADY_EXISTED if created.already_existed else BulkOutcome.CREATED
    return Settled(outcome=outcome, verdict=created.verdict, attempts=created.attempts)


def create_handler(
    create: Callable[[Any], Awaitable[Created[Any]]],
) -> Callable[[Any], Awaitable[Settled]]:
    """Settle one record by creating it (``POST``)."""
    return lambda record: settle(create(record), _created)


def push(
    client: AsyncKarla,
    records: Records,
    handle: Callable[[Any], Awaitable[Settled]],
    *,
    resource: str,
    options: PushOptions,
) -> Awaitable[BulkReport]:
    """Run the bulk runner over `records` for one resource of `client`'s shop."""
    return push_records(
        records,
        handle,
        resource=resource,
        scope=f"karla shop {client.shop_slug}",
        to_json=record_json,
        key_of=_key_of(resource),
        counters=client._engine.counters,
        options=options,
        redactor=client.redactor,
    )
