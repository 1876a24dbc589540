"""What a bulk run tells its caller: one outcome per record, progress events, the final report.

Every record of a run ends in exactly one `BulkOutcome`, taken from the decision table's verdict
for its last attempt (or from the run itself, for ``skipped``). The `BulkReport`'s counts always
add up to the records read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import evolve, field, frozen

from shopbridge.core._errors import RequestError
from shopbridge.core.sansio._outcome import NO_FIELD_ERRORS, FieldErrors, freeze_field_errors
from shopbridge.core.sansio._verdict import MEANINGS, Action, Verdict

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from shopbridge.core.sansio._redaction import Redactor

_T = TypeVar("_T")

__all__ = [
    "BulkOutcome",
    "BulkProgress",
    "BulkReport",
    "RecordResult",
    "Settled",
    "records",
    "settle",
    "settled_from_error",
]


class BulkOutcome(enum.Enum):
    """How one record of a bulk run ended."""

    CREATED = "created"
    """Done: the API created it (Kanal 201)."""
    UPDATED = "updated"
    """Done: the API replaced an existing record (Kanal 200)."""
    UPSERTED = "upserted"
    """Done: created or updated; an earlier attempt's answer was lost, so which is unknown."""
    DELETED = "deleted"
    """Done: deleted, or already gone."""
    ALREADY_EXISTED = "already_existed"
    """Done: a create retried after an ambiguous failure met "already exists" (Karla 409)."""
    SENT = "sent"
    """Done: the message was sent (Kanal messaging 200)."""
    ALREADY_SENT = "already_sent"
    """Done: an earlier send with the same ``Idempotency-Key`` had sent it (Kanal messaging
    201): a retried or resumed send that did not send it twice."""
    TRIGGERED = "triggered"
    """Done: the automation was triggered (Kanal 200 "Incoming webhook triggered")."""
    BLOCKED = "blocked"
    """Done: the automation's re-entry rule blocked the contact; no flow ran (Kanal 200
    "Contact blocked by re-entry rule"). Final: resending changes nothing."""
    REJECTED = "rejected"
    """FIX_PAYLOAD: the record breaks the API's rules (or could not be read); see the field
    errors. Client-side validation failures are rejected without a request."""
    NOT_FOUND = "not_found"
    """NOT_FOUND: the store/shop, or the record a change refers to, does not exist."""
    CONFLICT = "conflict"
    """CONFLICT: a create met an existing resource on its first try (Karla 409)."""
    CREDENTIALS_REJECTED = "credentials_rejected"
    """FIX_CREDENTIALS: the key was refused; the run stopped for this store."""
    GAVE_UP = "gave_up"
    """WAIT_RETRY_AFTER / BACKOFF: still failing when the retries or the deadline ran out."""
    FAILED = "failed"
    """FAIL: a permanent or undocumented answer; retrying will not help."""
    SKIPPED = "skipped"
    """Not sent: the run stopped before this record's turn (or cancelled it in flight)."""

    @property
    def done(self) -> bool:
        """Whether the API holds the record as asked (it is not dead-lettered)."""
        return self in _DONE


_DONE = frozenset(
    {
        BulkOutcome.CREATED,
        BulkOutcome.UPDATED,
        BulkOutcome.UPSERTED,
        BulkOutcome.DELETED,
        BulkOutcome.ALREADY_EXISTED,
        BulkOutcome.SENT,
        BulkOutcome.ALREADY_SENT,
        BulkOutcome.TRIGGERED,
        BulkOutcome.BLOCKED,
    }
)

_OUTCOME_FOR_ACTION = {
    action: BulkOutcome(meaning.bulk_outcome)
    for action, meaning in MEANINGS.items()
    if meaning.bulk_outcome is not None
}
"""The outcome named in `MEANINGS` for each action (DONE's depends on the dialect)."""


@frozen(kw_only=True)
class Settled:
    """How one record's request ended, as the bulk runner records it.

    Attributes:
        outcome: the record's outcome.
        verdict: the verdict of the last attempt (``None`` when nothing was decided: skipped,
            or an input line that could not be read).
        attempts: attempts made (0: nothing was sent).
        field_errors: per-field errors, by dot path.
        message: the server's message, or what was wrong with the input line.
        gave_up: why the retry policy stopped, when it did.
        request_id: the server's request id, if it sent one.
        stops_run: whether nothing more can succeed for this store or shop (the key was
            refused, the store is unknown or paused): the run stops, and the record stays
            resumable.
    """

    outcome: BulkOutcome
    verdict: Verdict | None = None
    attempts: int = 0
    field_errors: FieldErrors = field(default=NO_FIELD_ERRORS, converter=freeze_field_errors)
    message: str | None = None
    gave_up: str | None = None
    request_id: str | None = None
    stops_run: bool = False

    @property
    def action(self) -> Action | None:
        """The decision table's action, if a verdict was reached."""
        return None if self.verdict is None else self.verdict.action

    def redacted(self, redactor: Redactor) -> Settled:
        """This outcome with the secrets hidden in every text that came from outside.

        The message, the field errors (their names too), the give-up reason and the request id
        may all come from the server or from a custom handler: any of them may echo the key.
        """
        if not redactor or (
            not self.field_errors
            and self.message is None
            and self.gave_up is None
            and self.request_id is None
        ):
            return self  # nothing came from outside (most successes): nothing to copy
        return evolve(
            self,
            field_errors=redactor.data(dict(self.field_errors)),
            message=redactor.optional(self.message),
            gave_up=redactor.optional(self.gave_up),
            request_id=redactor.optional(self.request_id),
        )


@frozen(kw_only=True)
class RecordResult:
    """How one record of a bulk run ended, as ``on_result`` receives it (in input order).

    Attributes:
        position: the record's index in the input (0 for the first), stable across resumes.
        key: its natural key (``external_id``), when it has one.
        outcome: how it ended.
        rule: the decision-table row of its last attempt (``None`` when nothing was decided:
            skipped, an unreadable input line); a client-side refusal has its own rule.
        status: the HTTP status of the last answer, if one came.
        request_id: the server's request id, if it sent one.
        attempts: attempts made (0: nothing was sent).
        message: the server's message, or what was wrong with the record.
        field_errors: per-field errors, by dot path.
    """

    position: int
    key: str | int | None
    outcome: BulkOutcome
    rule: str | None = None
    status: int | None = None
    request_id: str | None = None
    attempts: int = 0
    message: str | None = None
    field_errors: FieldErrors = field(default=NO_FIELD_ERRORS, converter=freeze_field_errors)

    @property
    def done(self) -> bool:
        """Whether the API holds the record as asked: the source row can be marked synced."""
        return self.outcome.done

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only field errors do not pickle; a plain copy does, and the converter
        # freezes it again: results cross process boundaries (ETL workers).
        fields = {a.name: getattr(self, a.name) for a in self.__attrs_attrs__}
        fields["field_errors"] = {path: list(errors) for path, errors in self.field_errors.items()}
        return (_rebuilt_result, (fields,))

    @classmethod
    def of(cls, position: int, key: str | int | None, settled: Settled) -> RecordResult:
        """The result of the record at `position`, settled as `settled`."""
        verdict = settled.verdict
        return cls(
            position=position,
            key=key,
            outcome=settled.outcome,
            rule=None if verdict is None else verdict.rule,
            status=None if verdict is None else verdict.status,
            request_id=settled.request_id,
            attempts=settled.attempts,
            message=settled.message,
            field_errors=settled.field_errors,
        )


def _rebuilt_result(fields: dict[str, Any]) -> RecordResult:
    return RecordResult(**fields)


def settled_from_error(error: RequestError, *, store_keys: frozenset[str] = frozenset()) -> Settled:
    """The outcome of a request that ended in `error` (never raises).

    Args:
        error: how the request ended.
        store_keys: error keys that say the store or shop itself is missing (Kanal's
            ``store_not_found``): like refused credentials, they stop the run.
    """
    key = error.error.key if error.error is not None else None
    return Settled(
        stops_run=error.action is Action.FIX_CREDENTIALS or key in store_keys,
        outcome=_OUTCOME_FOR_ACTION.get(error.action, BulkOutcome.FAILED),
        verdict=error.verdict,
        attempts=error.attempts,
        field_errors=error.field_errors,
        message=error.error.message if error.error is not None else None,
        gave_up=error.gave_up,
        request_id=error.request_id,
    )


async def settle(
    call: Awaitable[_T],
    success: Callable[[_T], Settled],
    *,
    store_keys: frozenset[str] = frozenset(),
) -> Settled:
    """Await one API call and say how it ended: `success` of its result, or its error's outcome.

    Args:
        call: the call (an upsert, a create, a delete).
        success: the outcome of a result (created, updated...).
        store_keys: see `settled_from_error`.
    """
    try:
        result = await call
    except RequestError as error:
        return settled_from_error(error, store_keys=store_keys)
    return success(result)


def records(count: int) -> str:
    """``1 record``, ``2 records``: for messages."""
    return f"{count} record" if count == 1 else f"{count} records"


def _frozen_counts(value: Mapping[BulkOutcome, int]) -> Mapping[BulkOutcome, int]:
    return MappingProxyType({outcome: value.get(outcome, 0) for outcome in BulkOutcome})


def _frozen_rules(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


def _frozen_windows(value: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(value))


def _rebuilt_report(fields: dict[str, Any]) -> BulkReport:
    return BulkReport(**fields)


@frozen(kw_only=True)
class BulkProgress:
    """A progress event, sent to ``on_progress`` while a run goes on (and once at its end).

    Attributes:
        settled: records with an outcome so far (those of resumed-over runs included).
        total: records in the input, when known beforehand (a file, a sized collection).
        elapsed: seconds since this run started.
        rate: records settled per second by this run.
        eta: seconds left at that rate, when `total` is known.
        retries: attempts beyond the first, so far.
        rate_limited: 429s met so far.
        rejected: records rejected so far (fix the payload).
        failed: records settled without reaching done, rejected included.
        finished: whether this is the run's last event.
    """

    settled: int
    total: int | None
    elapsed: float
    rate: float
    eta: float | None
    retries: int
    rate_limited: int
    rejected: int
    failed: int
    finished: bool = False


@frozen(kw_only=True)
class BulkReport:
    """The account of a bulk run. ``counts`` add up to ``total``, always.

    Attributes:
        resource: what was pushed (``orders``, ``customer deletions``...).
        total: records in the input, including those settled by the earlier runs this one
            resumed from.
        counts: records per outcome (every outcome present, zeros included).
        retries: attempts beyond the first, made by this run.
        rate_limited: 429s this run met.
        elapsed: seconds this run took.
        resumed_from: records already settled by earlier runs, read from the checkpoint and
            not sent again.
        dead_letter: the dead-letter file, if one was written.
        dead_lettered: rows in it: every record that did not reach done.
        stopped: why the run stopped before sending everything (credentials refused, a file
            that could not be written), if it did.
        file_error: why a file of the run (dead letter, checkpoint) could not be written, if
            one could not: the run stopped there, with every record settled before that point
            in the checkpoint and the rest resumable once the space is freed.
        rules: how often each decision-table row fired during this run.
        learned_windows: the rate-limit windows learned from the server (seconds, by store),
            when nobody gave the window's length.
        paced_alone: seconds the pacer paced alone because its shared backend (Redis) could
            not be reached.

    Reports of the partitions of one push add up: ``BulkReport.combine(reports)``, or
    ``sum(reports)``.
    """

    resource: str
    total: int
    counts: Mapping[BulkOutcome, int] = field(converter=_frozen_counts)
    retries: int = 0
    rate_limited: int = 0
    elapsed: float = 0.0
    resumed_from: int = 0
    dead_letter: Path | None = None
    dead_lettered: int = 0
    stopped: str | None = None
    rules: Mapping[str, int] = field(factory=dict, converter=_frozen_rules)
    file_error: str | None = None
    learned_windows: Mapping[str, float] = field(factory=dict, converter=_frozen_windows)
    paced_alone: float = 0.0

    @classmethod
    def combine(cls, reports: Iterable[BulkReport]) -> BulkReport:
        """One report for the partitions of a push, run side by side (Dask, Spark).

        Counts, retries, 429s, dead-lettered rows and the rules add up; ``elapsed`` is the
        longest partition's (they ran at the same time); ``dead_letter`` is kept when every
        partition wrote the same file, else ``None`` (merge them with
        `shopbridge.merge_dead_letters`).

        Raises:
            ValueError: `reports` is empty.
        """
        parts = list(reports)
        if not parts:
            msg = "no reports to combine"
            raise ValueError(msg)
        counts: dict[BulkOutcome, int] = dict.fromkeys(BulkOutcome, 0)
        rules: dict[str, int] = {}
        windows: dict[str, float] = {}
        for part in parts:
            for outcome, count in part.counts.items():
                counts[outcome] += count
            for rule, count in part.rules.items():
                rules[rule] = rules.get(rule, 0) + count
            for key, window in part.learned_windows.items():
                windows[key] = max(window, windows.get(key, 0.0))
        resources = list(dict.fromkeys(part.resource for part in parts))
        letters: set[Path | None] = {part.dead_letter for part in parts if part.dead_letter}
        if any(part.dead_letter is None and part.dead_lettered for part in parts):
            letters.add(None)  # a combined report's rows already are in several files
        stopped = [part.stopped for part in parts if part.stopped]
        file_errors = [part.file_error for part in parts if part.file_error]
        return cls(
            resource=", ".join(resources),
            total=sum(part.total for part in parts),
            counts=counts,
            retries=sum(part.retries for part in parts),
            rate_limited=sum(part.rate_limited for part in parts),
            elapsed=max(part.elapsed for part in parts),
            resumed_from=sum(part.resumed_from for part in parts),
            dead_letter=letters.pop() if len(letters) == 1 else None,
            dead_lettered=sum(part.dead_lettered for part in parts),
            stopped="; ".join(dict.fromkeys(stopped)) or None,
            file_error="; ".join(dict.fromkeys(file_errors)) or None,
            rules=rules,
            learned_windows=windows,
            paced_alone=sum(part.paced_alone for part in parts),
        )

    def __add__(self, other: object) -> BulkReport:
        if not isinstance(other, BulkReport):
            return NotImplemented
        return BulkReport.combine((self, other))

    def __radd__(self, other: object) -> BulkReport:
        if other == 0:  # sum() starts from 0
            return self
        if not isinstance(other, BulkReport):
            return NotImplemented
        return BulkReport.combine((other, self))

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only mappings do not pickle; their plain copies do, and the converters
        # freeze them again: a report crosses process boundaries (ETL workers) whole.
        return (_rebuilt_report, (self._fields(),))

    def _fields(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "total": self.total,
            "counts": dict(self.counts),
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "elapsed": self.elapsed,
            "resumed_from": self.resumed_from,
            "dead_letter": self.dead_letter,
            "dead_lettered": self.dead_lettered,
            "stopped": self.stopped,
            "rules": dict(self.rules),
            "file_error": self.file_error,
            "learned_windows": dict(self.learned_windows),
            "paced_alone": self.paced_alone,
        }

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (outcomes by name, the path as a string)."""
        data = self._fields()
        data["counts"] = {outcome.value: count for outcome, count in self.counts.items()}
        data["dead_letter"] = None if self.dead_letter is None else str(self.dead_letter)
        data.update(done=self.done, not_done=self.not_done, ok=self.ok)
        return data

    @property
    def done(self) -> int:
        """Records that reached done (every outcome whose `BulkOutcome.done` is true)."""
        return sum(count for outcome, count in self.counts.items() if outcome.done)

    @property
    def not_done(self) -> int:
        """Records that did not reach done: each one is in the dead-letter file."""
        return self.total - self.done

    @property
    def ok(self) -> bool:
        """Whether every record reached done."""
        return self.not_done == 0

    @property
    def records_per_second(self) -> float:
        """Records this run settled, per second."""
        settled = self.total - self.resumed_from
        return settled / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        """A few lines for a human: the counts that are not zero, the rate, the dead letter."""
        counts = ", ".join(
            f"{count} {outcome.value.replace('_', ' ')}"
            for outcome, count in self.counts.items()
            if count
        )
        lines = [
            f"{self.resource}: {records(self.total)}: {counts or 'none'}",
            f"{self.elapsed:.1f} s, {self.records_per_second:.1f} records/s, "
            f"{self.retries} retries, {self.rate_limited} 429s met",
        ]
        if self.resumed_from:
            lines.append(f"resumed: {records(self.resumed_from)} settled by earlier runs")
        for key, window in self.learned_windows.items():
            lines.append(f"pacing: learned the rate-limit window of {key}: {window:.3g} s")
        if self.paced_alone:
            lines.append(
                f"pacing: paced alone for {self.paced_alone:.1f} s (shared backend unreachable)"
            )
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        if self.dead_letter is not None and self.dead_lettered:
            lines.append(f"dead letter: {records(self.dead_lettered)} in {self.dead_letter}")
        return "\n".join(lines)
