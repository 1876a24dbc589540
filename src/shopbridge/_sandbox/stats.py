"""What a sandbox has seen: requests, answers by status, faults injected, 429s, writes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

__all__ = ["SandboxStats", "StatsRecorder"]


def _frozen_counts(value: Mapping[Any, int]) -> Mapping[Any, int]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class SandboxStats:
    """A snapshot of a sandbox's counters (API routes only; inspection is not counted).

    Attributes:
        requests: API requests received.
        statuses: answers sent, by HTTP status (a dropped connection has no status).
        faults: faults injected, by kind (``503``, ``drop_after``, ``slow``, ``malformed``...).
        rate_limited: requests the rate limiter answered 429 (spurious 429s are in `faults`).
        writes: writes applied, by resource.
    """

    requests: int = 0
    statuses: Mapping[int, int] = field(factory=dict, converter=_frozen_counts)
    faults: Mapping[str, int] = field(factory=dict, converter=_frozen_counts)
    rate_limited: int = 0
    writes: Mapping[str, int] = field(factory=dict, converter=_frozen_counts)

    def to_json(self) -> dict[str, Any]:
        """The snapshot as the ``/_sandbox/stats`` route shows it."""
        return {
            "requests": self.requests,
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "faults": dict(sorted(self.faults.items())),
            "rate_limited": self.rate_limited,
            "writes": dict(sorted(self.writes.items())),
        }


class StatsRecorder:
    """The live counters. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._rate_limited = 0

    def request(self) -> None:
        """Count one API request received."""
        with self._lock:
            self._requests += 1

    def answered(self, status: int) -> None:
        """Count one answer sent."""
        with self._lock:
            self._statuses[status] += 1

    def fault(self, kind: str) -> None:
        """Count one fault injected."""
        with self._lock:
            self._faults[kind] += 1

    def rate_limited(self) -> None:
        """Count one request the rate limiter refused."""
        with self._lock:
            self._rate_limited += 1

    def snapshot(self, writes: Mapping[str, int]) -> SandboxStats:
        """The counters now, with the record store's `writes`."""
        with self._lock:
            return SandboxStats(
                requests=self._requests,
                statuses=self._statuses,
                faults=self._faults,
                rate_limited=self._rate_limited,
                writes=writes,
            )

    def clear(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._requests = 0
            self._statuses.clear()
            self._faults.clear()
            self._rate_limited = 0
