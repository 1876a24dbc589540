"""Bulk sends of Kanal messages: each record's Idempotency-Key, and how each record ended.

A resumed run never sends a message twice because every record's ``Idempotency-Key`` is
derived from the record itself, the same in every run:

* with ``key_column="order_id"``, the record's own value in that column *is* the key (the
  column is not sent in the body); two records with the same value are one message;
* without, the key is ``shopbridge-`` and the BLAKE2b hash (128 bits, hex) of the record's
  canonical JSON (keys sorted, compact), its position in the input (from 0) and the
  ``key_salt`` (default empty): two identical lines are two messages, and the same file pushed
  again, even without its checkpoint, is answered "already sent" (give another ``key_salt``,
  a campaign's name, to send it again on purpose).

The records in flight when a run is killed are sent again by the resumed run, with the same
keys: Kanal answers 201 "Message already sent with this idempotency key", counted as
``already_sent``. Automation triggers take no key: see `shopbridge.kanal._messaging.table` for
what is resent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from shopbridge.core.bulk._push import push_records, records_as_json
from shopbridge.core.bulk._report import BulkOutcome, Settled, settle

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from shopbridge.core._endpoint import Api
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.kanal._messaging.models import Sent, Triggered

__all__ = [
    "KEY_PREFIX",
    "column",
    "derived_key",
    "push",
    "record_json",
    "send_handler",
    "trigger_handler",
]

KEY_PREFIX = "shopbridge-"

record_json = records_as_json(lambda model: model.to_wire())
"""A record as JSON-ready data (its key and dead-letter row): models in their wire form."""


def derived_key(record: Any, position: int, *, salt: str = "") -> str:
    """The Idempotency-Key of the record at `position`, without a key column (module doc)."""
    canonical = orjson.dumps(
        record_json(record), option=orjson.OPT_SORT_KEYS, default=str
    )  # default=str: a Decimal or a date as its text, as the wire has it
    digest = hashlib.blake2b(digest_size=16)
    digest.update(salt.encode())
    digest.update(b"\0")
    digest.update(position.to_bytes(8, "big"))
    digest.update(canonical)
    return KEY_PREFIX + digest.hexdigest()


def column(record: Any, name: str) -> object:
    """A record's value in the column `name` (a mapping's key, a model's attribute)."""
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _without(record: Any, name: str | None) -> Any:
    if name is not None and isinstance(record, Mapping) and name in record:
        return {key: value for key, value in record.items() if key != name}
    return record


def _rejected(name: str, message: str) -> Settled:
    return Settled(outcome=BulkOutcome.REJECTED, field_errors={name: [message]}, message=message)


def _sent(result: Sent) -> Settled:
    outcome = BulkOutcome.ALREADY_SENT if result.already_sent else BulkOutcome.SENT
    return Settled(outcome=outcome, verdict=result.verdict, attempts=result.attempts)


def send_handler(
    send: Callable[[Any, str], Awaitable[Sent]],
    *,
    key_column: str | None,
    key_salt: str,
) -> Callable[[Any, int], Awaitable[Settled]]:
    """Settle one record by sending it with its derived Idempotency-Key."""

    async def handle(record: Any, position: int) -> Settled:
        if key_column is None:
            key = derived_key(record, position, salt=key_salt)
        else:
            value = column(record, key_column)
            if isinstance(value, bool) or not isinstance(value, str | int) or not str(value):
                return _rejected(
                    key_column,
                    f"The key column {key_column} is empty: each record needs its own "
                    "Idempotency-Key.",
                )
            key = str(value)
        return await settle(send(_without(record, key_column), key), _sent)

    return handle


def _triggered(result: Triggered) -> Settled:
    outcome = BulkOutcome.BLOCKED if result.blocked else BulkOutcome.TRIGGERED
    return Settled(outcome=outcome, verdict=result.verdict, attempts=result.attempts)


def trigger_handler(
    trigger: Callable[[str, Any], Awaitable[Triggered]],
    *,
    webhook_id: str | None,
) -> Callable[[Any, int], Awaitable[Settled]]:
    """Settle one trigger: the record's own ``webhook_id`` column, else `webhook_id`."""

    async def handle(record: Any, _position: int) -> Settled:
        own = column(record, "webhook_id")
        target = own if isinstance(own, str) and own else webhook_id
        if target is None:
            return _rejected(
                "webhook_id",
                "No webhook_id: give the records a webhook_id column, or push_many(..., "
                "webhook_id=...).",
            )
        return await settle(trigger(target, _without(record, "webhook_id")), _triggered)

    return handle


def push(
    api: Api,
    records: Records,
    handle: Callable[[Any, int], Awaitable[Settled]],
    *,
    resource: str,
    key_of: Callable[[Any], object] | None,
    options: PushOptions,
) -> Awaitable[BulkReport]:
    """Run the bulk runner over `records` for one messaging resource."""
    return push_records(
        records,
        handle,
        resource=resource,
        scope=api.scope,
        to_json=record_json,
        key_of=key_of,
        options=options,
        with_position=True,
        redactor=api.redactor,
    )
