"""How a blocking push hands a sync iterable of records from the caller's thread to its loop."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["FEED_BATCH", "FEED_BUFFER", "batches", "not_a_cursor"]

FEED_BATCH = 256
"""Records handed from the caller's thread to the portal's loop at a time."""
FEED_BUFFER = 4
"""Batches the portal's loop may hold before the caller's thread waits: bounded memory."""


def not_a_cursor(records: Any) -> bool:
    """Whether `records` is not an iterable of records to read here (duck-typed)."""
    return (
        hasattr(records, "columns")
        or hasattr(records, "schema")
        or isinstance(records, Mapping)
        or not isinstance(records, Iterable)
    )


def batches(records: Iterable[Any]) -> Iterator[list[Any] | Exception]:
    """`records` in lists of `FEED_BATCH`; the exception, last, if iterating them raised."""
    iterator = iter(records)
    while True:
        batch: list[Any] = []
        try:
            for record in itertools.islice(iterator, FEED_BATCH):
                batch.append(record)  # noqa: PERF402 - one by one: what came before the raise is kept
        except Exception as exc:  # noqa: BLE001 - handed to the run, which raises it
            if batch:
                yield batch  # read before it raised: sent like any
            yield exc
            return
        if not batch:
            return
        yield batch
