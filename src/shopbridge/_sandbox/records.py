"""The sandboxes' in-memory records: upserts keyed on (scope, resource, key), soft deletes.

A *scope* is what the API partitions data by (a Kanal store id, a Karla shop slug); a
*resource* is a collection name (``orders``); a *key* is the record's natural key (its
``external_id``). Every applied write is counted, per record and per resource, so a test can
check that a retried request was applied once, twice, or not at all.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from attrs import evolve, field, frozen

__all__ = ["RecordStore", "Scope", "StoredRecord"]

Scope = int | str
"""What an API partitions records by: a Kanal store id, a Karla shop slug."""


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class StoredRecord:
    """One record as the sandbox holds it.

    Attributes:
        key: the natural key.
        id: the sandbox's internal numeric id (stable across upserts).
        data: the record's fields, as the server stores them.
        writes: how many writes were applied to it (upserts, updates, the delete); 0 for a
            record the sandbox started with, until it is written.
        deleted: whether it was soft-deleted.
    """

    key: str
    id: int
    data: Mapping[str, Any] = field(converter=_frozen_mapping)
    writes: int = 1
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        """The record as the inspection routes show it."""
        return {
            "key": self.key,
            "id": self.id,
            "writes": self.writes,
            "deleted": self.deleted,
            "data": dict(self.data),
        }


class RecordStore:
    """Every record of one sandbox. Thread-safe: tests read it from other threads."""

    def __init__(self) -> None:
        self._records: dict[tuple[Scope, str], dict[str, StoredRecord]] = {}
        self._ids: dict[str, itertools.count[int]] = {}
        self._writes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def get(self, scope: Scope, resource: str, key: str) -> StoredRecord | None:
        """The record, soft-deleted or not; ``None`` if it was never written."""
        with self._lock:
            return self._records.get((scope, resource), {}).get(key)

    def live(self, scope: Scope, resource: str, key: str) -> StoredRecord | None:
        """The record if it exists and is not soft-deleted."""
        record = self.get(scope, resource, key)
        return None if record is None or record.deleted else record

    def records(self, scope: Scope, resource: str) -> dict[str, StoredRecord]:
        """The records of one scope and resource, by key, in the order first written."""
        with self._lock:
            return dict(self._records.get((scope, resource), {}))

    def put(
        self, scope: Scope, resource: str, key: str, data: Mapping[str, Any]
    ) -> tuple[StoredRecord, bool]:
        """Create or replace a record (restoring it if soft-deleted).

        Returns:
            The stored record, and whether it was created: new, or deleted until now.
        """
        with self._lock:
            table = self._records.setdefault((scope, resource), {})
            previous = table.get(key)
            data = copy.deepcopy(dict(data))
            if previous is None:
                ids = self._ids.setdefault(resource, itertools.count(1))
                record = StoredRecord(key=key, id=next(ids), data=data)
            else:
                record = evolve(previous, data=data, writes=previous.writes + 1, deleted=False)
            table[key] = record
            self._writes[resource] += 1
            return record, previous is None or previous.deleted

    def seed(self, scope: Scope, resource: str, key: str, data: Mapping[str, Any]) -> StoredRecord:
        """Store a record the sandbox starts with (a default shop): counted as no write.

        Raises:
            ValueError: the record exists already.
        """
        with self._lock:
            table = self._records.setdefault((scope, resource), {})
            if key in table:
                msg = f"record {key!r} of {resource!r} exists already"
                raise ValueError(msg)
            ids = self._ids.setdefault(resource, itertools.count(1))
            record = StoredRecord(key=key, id=next(ids), data=copy.deepcopy(dict(data)), writes=0)
            table[key] = record
            return record

    def update(
        self, scope: Scope, resource: str, key: str, changes: Mapping[str, Any]
    ) -> StoredRecord | None:
        """Merge `changes` into a live record; ``None`` (and nothing written) if there is none."""
        with self._lock:
            table = self._records.get((scope, resource), {})
            previous = table.get(key)
            if previous is None or previous.deleted:
                return None
            merged = {**previous.data, **copy.deepcopy(dict(changes))}
            record = evolve(previous, data=merged, writes=previous.writes + 1)
            table[key] = record
            self._writes[resource] += 1
            return record

    def delete(self, scope: Scope, resource: str, key: str) -> StoredRecord | None:
        """Soft-delete a live record; ``None`` (and nothing written) if there is none."""
        with self._lock:
            table = self._records.get((scope, resource), {})
            previous = table.get(key)
            if previous is None or previous.deleted:
                return None
            record = evolve(previous, writes=previous.writes + 1, deleted=True)
            table[key] = record
            self._writes[resource] += 1
            return record

    def writes_by_resource(self) -> dict[str, int]:
        """Writes applied so far, per resource."""
        with self._lock:
            return dict(self._writes)

    def clear(self) -> None:
        """Forget every record, id and count."""
        with self._lock:
            self._records.clear()
            self._ids.clear()
            self._writes.clear()
