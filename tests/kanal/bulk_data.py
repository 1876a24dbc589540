"""Records, files and clients for the bulk tests (and the child process the kill test runs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from shopbridge.core.sansio._policy import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

FAULTS = "503=0.1,drop_before=0.02,drop_after=0.02,throttle=0.0005:1"
"""The issue's fault mix: 10% 503s, 2% dropped before, 2% after the write, 429 bursts."""

PATIENT = RetryPolicy(
    max_attempts=20, deadline=60, attempt_timeout=10, backoff_base=0.02, backoff_max=0.2
)
"""Enough attempts that 14% faults never exhaust a record (0.14^20), with short backoffs."""


def order(number: int, *, version: int = 0) -> dict[str, Any]:
    """A valid order; `version` changes its content, not its key."""
    return {
        "external_id": f"ORDER-{number}",
        "placed_at": "2026-05-18T10:00:00Z",
        "total_price": f"{10 + version}.{number % 100:02d}",
        "currency": "EUR",
        "financial_status": "paid" if version else "pending",
        "customer": {"phone": f"+336{number:08d}"},
    }


def invalid_order(number: int) -> dict[str, Any]:
    """An order Kanal's rules refuse (no customer phone, a negative total)."""
    record = order(number)
    record["customer"] = {"first_name": "Nobody"}
    record["total_price"] = "-1"
    return record


def is_invalid(number: int) -> bool:
    """1% of the records are invalid."""
    return number % 100 == 37


def orders(count: int) -> list[dict[str, Any]]:
    """`count` orders, 1% of them invalid."""
    return [invalid_order(n) if is_invalid(n) else order(n) for n in range(count)]


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    """Write one JSON object per line."""
    with path.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record) + "\n")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
