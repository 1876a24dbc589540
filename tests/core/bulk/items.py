"""Toy items and JSONL files for the bulk tests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from shopbridge.core.sansio._policy import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

PATIENT = RetryPolicy(
    max_attempts=20, deadline=30, attempt_timeout=5, backoff_base=0.01, backoff_max=0.1
)
"""Enough attempts that the faults of the toy runs never exhaust a record, with short backoffs."""


def item(number: int, *, name: object = "lamp") -> dict[str, Any]:
    """A toy item; without a string `name`, the toy server refuses it (422)."""
    return {"id": f"item-{number}", "name": name}


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    """Write one JSON object per line."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
