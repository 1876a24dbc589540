"""Kanal's bulk pushes: what one record's upsert (or deletion) comes to, for the bulk runner.

``push_many`` on `AsyncOrders`, `AsyncCheckouts`, `AsyncCustomers` and `AsyncShipments`, and
``delete_many`` on `AsyncCustomers`, call `push` here; the runner itself is
`shopbridge.core.bulk._push`. The outcome of each record comes from the decision table's verdict:
201 created, 200 updated (``upserted`` when an earlier attempt's answer was lost), 204 (or 404
already gone) deleted, and the failures by their action.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shopbridge.core.bulk._push import push_records, records_as_json
from shopbridge.core.bulk._report import BulkOutcome, Settled, settle
from shopbridge.kanal._wire import to_wire

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from shopbridge.core._endpoint import Answer, Api
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.kanal._models import Upserted

__all__ = ["deletion_handler", "push", "record_json", "record_key", "upsert_handler"]


_STORE_KEYS = frozenset({"store_not_found"})
"""404 "Store not found or paused": nothing more can succeed for this store."""


record_json = records_as_json(to_wire)
"""A record as JSON-ready data, for its dead-letter row: models through Kanal's converter."""


def record_key(record: Any) -> object:
    """A record's natural key: its ``external_id`` (a customer without one: its ``phone``)."""
    if isinstance(record, Mapping):
        return record.get("external_id") or record.get("phone")
    if isinstance(record, str):
        return record  # a customer id to delete
    return getattr(record, "external_id", None) or getattr(record, "phone", None)


def _upserted(result: Upserted[Any]) -> Settled:
    if result.created is None:
        outcome = BulkOutcome.UPSERTED
    else:
        outcome = BulkOutcome.CREATED if result.created else BulkOutcome.UPDATED
    return Settled(outcome=outcome, verdict=result.verdict, attempts=result.attempts)


def upsert_handler(
    upsert: Callable[[Any], Awaitable[Upserted[Any]]],
) -> Callable[[Any], Awaitable[Settled]]:
    """Settle one record by upserting it."""
    return lambda record: settle(upsert(record), _upserted, store_keys=_STORE_KEYS)


def _deletion_id(record: Any) -> Any:
    # A line of a deletions file is {"external_id": "CUST-42"}; an iterable may give the ids.
    if isinstance(record, Mapping):
        return record.get("external_id")
    return record


def _deleted(answer: Answer[None]) -> Settled:
    return Settled(outcome=BulkOutcome.DELETED, verdict=answer.verdict, attempts=answer.attempts)


def deletion_handler(
    delete: Callable[[str], Awaitable[Answer[None]]],
) -> Callable[[Any], Awaitable[Settled]]:
    """Settle one customer deletion (a ``{"external_id": ...}`` record or the id itself)."""
    return lambda record: settle(delete(_deletion_id(record)), _deleted, store_keys=_STORE_KEYS)


def push(
    api: Api,
    records: Records,
    handle: Callable[[Any], Awaitable[Settled]],
    *,
    resource: str,
    options: PushOptions,
) -> Awaitable[BulkReport]:
    """Run the bulk runner over `records` for one resource of `api`'s store."""
    return push_records(
        records,
        handle,
        resource=resource,
        scope=api.scope,
        to_json=record_json,
        key_of=record_key,
        options=options,
        redactor=api.redactor,
    )
