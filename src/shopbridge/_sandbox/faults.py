"""Seeded fault injection: which failure, if any, a sandbox plays for each API request.

A `Faults` value holds the probabilities; a `FaultInjector` draws from ``random.Random(seed)``
and turns them into one `FaultPlan` per request, so the same seed and the same sequence of
requests give the same faults.

The compact spec (the CLI's ``--faults``) is a comma-separated list of ``name=value`` items::

    503=0.1,500=0.02,drop_before=0.02,drop_after=0.02,slow=0.05:0.3,malformed=0.5,throttle=0.01:1

=============== ============================================================================
``500`` ...     ``500``, ``502``, ``503``, ``504``: probability of answering that status
                before processing (nothing is written)
``drop_before`` probability of closing the connection before processing (nothing written)
``drop_after``  probability of processing the request (the write is applied), then closing
                the connection instead of answering
``throttle``    ``P[:SECONDS]``: probability of a spurious 429 with ``Retry-After: SECONDS``
                (an integer, default 1), as if another client had spent the window
``slow``        ``P[:SECONDS]``: probability of sleeping SECONDS (default 1) before the request
                is processed; combines with any other fault
``malformed``   the fraction of injected 5xx whose body is not JSON (an HTML page or
                truncated JSON)
=============== ============================================================================

The exclusive faults (the 5xx, the drops and ``throttle``) may add up to at most 1. An empty
spec, or ``none``, injects nothing.
"""

from __future__ import annotations

import enum
import math
import random
import threading

from attrs import field, frozen, validators

from shopbridge.core._errors import FaultSpecError

__all__ = [
    "NO_FAULTS",
    "FaultInjector",
    "FaultKind",
    "FaultPlan",
    "FaultSpecError",
    "Faults",
    "Malformed",
]


class FaultKind(enum.Enum):
    """The faults a sandbox injects; the values are the spec's names and the stats' keys."""

    THROTTLE = "throttle"
    ERROR_500 = "500"
    ERROR_502 = "502"
    ERROR_503 = "503"
    ERROR_504 = "504"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"
    SLOW = "slow"
    MALFORMED = "malformed"

    @property
    def status(self) -> int | None:
        """The HTTP status an injected server error answers with (``None`` for the others)."""
        return int(self.value) if self.value.isdigit() else None


class Malformed(enum.Enum):
    """How an injected 5xx body is broken."""

    HTML = "html"
    """A proxy's HTML error page, served as ``text/html``."""
    TRUNCATED_JSON = "truncated_json"
    """The first half of a JSON body, served as ``application/json``."""


def _probability(_instance: object, attribute: object, value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        name = getattr(attribute, "name", "probability")
        msg = f"{name} must be a probability between 0 and 1, got {value!r}"
        raise ValueError(msg)


def _seconds(_instance: object, attribute: object, value: float) -> None:
    if not (math.isfinite(value) and value >= 0.0):
        name = getattr(attribute, "name", "seconds")
        msg = f"{name} must be a finite number of seconds >= 0, got {value!r}"
        raise ValueError(msg)


_EXCLUSIVE = (
    FaultKind.THROTTLE,
    FaultKind.ERROR_500,
    FaultKind.ERROR_502,
    FaultKind.ERROR_503,
    FaultKind.ERROR_504,
    FaultKind.DROP_BEFORE,
    FaultKind.DROP_AFTER,
)
"""The faults of which at most one happens per request, in the order they are drawn."""


@frozen(kw_only=True)
class Faults:
    """How often each fault happens. All probabilities default to 0 (no faults).

    Attributes:
        error_500: probability of an injected 500 (before processing: nothing written).
        error_502: the same for 502.
        error_503: the same for 503.
        error_504: the same for 504.
        drop_before: probability of a dropped connection before processing.
        drop_after: probability of a dropped connection after the write was applied.
        throttle: probability of a spurious 429.
        throttle_seconds: the ``Retry-After`` of a spurious 429, whole seconds.
        slow: probability of a slow response.
        slow_seconds: how long a slow response sleeps before processing.
        malformed: the fraction of injected 5xx whose body is not JSON.
    """

    error_500: float = field(default=0.0, validator=_probability)
    error_502: float = field(default=0.0, validator=_probability)
    error_503: float = field(default=0.0, validator=_probability)
    error_504: float = field(default=0.0, validator=_probability)
    drop_before: float = field(default=0.0, validator=_probability)
    drop_after: float = field(default=0.0, validator=_probability)
    throttle: float = field(default=0.0, validator=_probability)
    throttle_seconds: int = field(default=1, validator=validators.ge(1))
    slow: float = field(default=0.0, validator=_probability)
    slow_seconds: float = field(default=1.0, validator=_seconds)
    malformed: float = field(default=0.0, validator=_probability)

    def __attrs_post_init__(self) -> None:
        total = sum(self.probability(kind) for kind in _EXCLUSIVE)
        if total > 1.0 + 1e-9:
            msg = (
                "the 5xx, drop and throttle probabilities add up to "
                f"{total:g}; at most one of them happens per request, so they must add up to 1 "
                "or less"
            )
            raise ValueError(msg)

    def probability(self, kind: FaultKind) -> float:
        """The probability of `kind` (for `FaultKind.MALFORMED`: the fraction of 5xx)."""
        return float(getattr(self, _FIELDS[kind]))

    @property
    def active(self) -> bool:
        """Whether any fault can happen."""
        return any(self.probability(kind) > 0 for kind in (*_EXCLUSIVE, FaultKind.SLOW))

    def spec(self) -> str:
        """The compact spec string that `parse` reads back into this value."""
        items: list[str] = []
        for kind in (*_EXCLUSIVE, FaultKind.SLOW, FaultKind.MALFORMED):
            probability = self.probability(kind)
            if probability == 0:
                continue
            if kind is FaultKind.THROTTLE:
                items.append(f"throttle={probability:g}:{self.throttle_seconds}")
            elif kind is FaultKind.SLOW:
                items.append(f"slow={probability:g}:{self.slow_seconds:g}")
            else:
                items.append(f"{kind.value}={probability:g}")
        return ",".join(items) or "none"

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Read a compact spec (see the module docstring).

        Raises:
            FaultSpecError: an item is malformed, unknown, repeated or out of range; the
                message quotes the item.
        """
        text = spec.strip()
        if text in ("", "none", "off"):
            return NO_FAULTS
        values: dict[str, float | int] = {}
        seen: set[FaultKind] = set()
        for raw_item in text.split(","):
            item = raw_item.strip()
            kind, probability, seconds = _parse_item(item)
            if kind in seen:
                msg = f"fault {kind.value!r} is given twice (item {item!r})"
                raise FaultSpecError(msg)
            seen.add(kind)
            values[_FIELDS[kind]] = probability
            if seconds is not None:
                values[_SECONDS_FIELDS[kind]] = seconds
        try:
            return cls(**values)  # type: ignore[arg-type]  # names and types checked above
        except ValueError as exc:
            raise FaultSpecError(f"fault spec {spec!r}: {exc}") from None


_FIELDS = {
    FaultKind.THROTTLE: "throttle",
    FaultKind.ERROR_500: "error_500",
    FaultKind.ERROR_502: "error_502",
    FaultKind.ERROR_503: "error_503",
    FaultKind.ERROR_504: "error_504",
    FaultKind.DROP_BEFORE: "drop_before",
    FaultKind.DROP_AFTER: "drop_after",
    FaultKind.SLOW: "slow",
    FaultKind.MALFORMED: "malformed",
}
_SECONDS_FIELDS = {FaultKind.THROTTLE: "throttle_seconds", FaultKind.SLOW: "slow_seconds"}
_BY_NAME = {kind.value: kind for kind in FaultKind}

NO_FAULTS = Faults()
"""Inject nothing."""


def _parse_item(item: str) -> tuple[FaultKind, float, float | int | None]:
    name, equals, value = item.partition("=")
    name, value = name.strip(), value.strip()
    if not equals or not name or not value:
        msg = f"fault spec item {item!r} is not of the form name=value"
        raise FaultSpecError(msg)
    kind = _BY_NAME.get(name)
    if kind is None:
        msg = f"unknown fault {name!r} in item {item!r}; expected one of: {', '.join(_BY_NAME)}"
        raise FaultSpecError(msg)
    probability_text, colon, seconds_text = value.partition(":")
    if colon and kind not in _SECONDS_FIELDS:
        msg = f"fault spec item {item!r}: only slow and throttle take ':SECONDS'"
        raise FaultSpecError(msg)
    probability = _number(item, probability_text, "a probability between 0 and 1")
    if not 0.0 <= probability <= 1.0:
        msg = f"fault spec item {item!r}: {probability_text!r} is not a probability between 0 and 1"
        raise FaultSpecError(msg)
    if not colon:
        return kind, probability, None
    if kind is FaultKind.THROTTLE:
        if not seconds_text.strip().isdigit() or int(seconds_text) < 1:
            msg = (
                f"fault spec item {item!r}: {seconds_text!r} is not a whole number of seconds >= 1"
            )
            raise FaultSpecError(msg)
        return kind, probability, int(seconds_text)
    seconds = _number(item, seconds_text, "a number of seconds >= 0")
    if seconds < 0:
        msg = f"fault spec item {item!r}: {seconds_text!r} is not a number of seconds >= 0"
        raise FaultSpecError(msg)
    return kind, probability, seconds


def _number(item: str, text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        msg = f"fault spec item {item!r}: {text!r} is not {what}"
        raise FaultSpecError(msg)
    return number


@frozen(kw_only=True)
class FaultPlan:
    """What the sandbox does to one request.

    Attributes:
        kind: the exclusive fault (a 5xx, a drop, a spurious 429), or ``None``.
        delay: seconds to sleep before processing (0 when not slow).
        malformed: for an injected 5xx, how its body is broken (``None``: a JSON body).
        retry_after: for a spurious 429, its ``Retry-After``.
    """

    kind: FaultKind | None = None
    delay: float = 0.0
    malformed: Malformed | None = None
    retry_after: int = 1


class FaultInjector:
    """Draws one `FaultPlan` per request from a seeded generator. Thread-safe.

    Args:
        faults: the probabilities.
        seed: the generator's seed; ``None`` seeds it from the operating system.
    """

    def __init__(self, faults: Faults = NO_FAULTS, *, seed: int | None = 0) -> None:
        self._faults = faults
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def faults(self) -> Faults:
        """The probabilities in force."""
        return self._faults

    def configure(self, faults: Faults, *, seed: int | None = None) -> Faults:
        """Switch to `faults` (and reseed when `seed` is given); return the previous ones."""
        with self._lock:
            previous, self._faults = self._faults, faults
            if seed is not None:
                self._rng.seed(seed)
            return previous

    def plan(self) -> FaultPlan:
        """Draw the fate of one request."""
        with self._lock:
            faults = self._faults
            # Always three draws, whatever fires: the n-th request meets the same numbers
            # whichever faults are switched on, which keeps seeded runs comparable.
            draw, slow_draw, malformed_draw = (self._rng.random() for _ in range(3))
        kind: FaultKind | None = None
        threshold = 0.0
        for candidate in _EXCLUSIVE:
            threshold += faults.probability(candidate)
            if draw < threshold:
                kind = candidate
                break
        malformed: Malformed | None = None
        if kind is not None and kind.status is not None and malformed_draw < faults.malformed:
            # The lower half of the malformed range gives HTML, the upper half truncated JSON.
            half = faults.malformed / 2
            malformed = Malformed.HTML if malformed_draw < half else Malformed.TRUNCATED_JSON
        delay = faults.slow_seconds if slow_draw < faults.slow else 0.0
        return FaultPlan(
            kind=kind, delay=delay, malformed=malformed, retry_after=faults.throttle_seconds
        )
