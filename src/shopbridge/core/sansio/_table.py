"""The decision table: rules as data, and the pure `decide()` that reads them.

A `Rule` is one row: conditions on the outcome (a status or a status range, an error key from
the body, a header that must be present, or a network failure kind) and on the request (method,
idempotent or not, a create or not, after an ambiguous failure or not), and the `Action` to
take with the reason in the API docs' own words. A `DecisionTable` is an ordered tuple of
rules; the first row that matches wins. Tables are values: print them, test them row by row,
and override them per client with `DecisionTable.prepend`, `DecisionTable.replace` and
`DecisionTable.without`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import Factory, field, frozen

from shopbridge.core.sansio._outcome import FailureKind, HttpResponse, TransportFailure
from shopbridge.core.sansio._verdict import Action, Verdict
from shopbridge.core.sansio._waits import server_wait

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from shopbridge.core.sansio._outcome import Outcome, RequestFacts

__all__ = [
    "AMBIGUOUS_STATUSES",
    "UNMATCHED_REASON",
    "DecisionTable",
    "Rule",
    "chain",
    "decide",
    "is_ambiguous",
]

AMBIGUOUS_STATUSES = frozenset({500, 502, 504})
"""Statuses after which the server may or may not have applied the request (503 and 429 say
it did not)."""


def _status_range(value: int | tuple[int, int] | None) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int):
        return (value, value)
    low, high = value
    if low > high:
        msg = f"status range {low}-{high} is empty; write it low to high"
        raise ValueError(msg)
    return (low, high)


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


@frozen(kw_only=True)
class Rule:
    """One row of a decision table.

    A condition left at ``None`` matches anything. A row with `failure` set matches only that
    network failure; a row with `status`, `key` or `header` set matches only responses; a row
    with none of the four matches both.

    Attributes:
        name: a stable id, logged with every attempt (``kanal-429``).
        action: what to do when the row matches.
        reason: why, in the API docs' own words.
        status: one status, or an inclusive ``(low, high)`` range.
        key: the error key the dialect's parser found in the body.
        header: a response header that must be present (lower-case name).
        failure: the network failure kind.
        method: the HTTP method (upper case).
        idempotent: whether the request must be (or must not be) idempotent.
        after_ambiguous: whether an earlier attempt of the request must have (or must not have)
            ended ambiguously.
        create: whether the request must be (or must not be) a create the API refuses twice.
    """

    name: str
    action: Action
    reason: str
    status: tuple[int, int] | None = field(default=None, converter=_status_range)
    key: str | None = None
    header: str | None = field(default=None, converter=_lower)
    failure: FailureKind | None = None
    method: str | None = field(default=None, converter=_upper)
    idempotent: bool | None = None
    after_ambiguous: bool | None = None
    create: bool | None = None

    def matches(self, outcome: Outcome, facts: RequestFacts) -> bool:
        """Whether this row applies to `outcome` of the request described by `facts`."""
        return self._matches_request(facts) and (
            self._matches_failure(outcome.kind)
            if isinstance(outcome, TransportFailure)
            else self._matches_response(outcome)
        )

    def _matches_request(self, facts: RequestFacts) -> bool:
        return (
            (self.method is None or self.method == facts.method)
            and (self.idempotent is None or self.idempotent == facts.idempotent)
            and (self.after_ambiguous is None or self.after_ambiguous == facts.after_ambiguous)
            and (self.create is None or self.create == facts.create)
        )

    def _matches_failure(self, kind: FailureKind) -> bool:
        if self.failure is not None:
            return self.failure is kind
        return self.status is None and self.key is None and self.header is None

    def _matches_response(self, response: HttpResponse) -> bool:
        if self.failure is not None:
            return False
        status, error = response.status, response.error
        return (
            (self.status is None or self.status[0] <= status <= self.status[1])
            and (self.key is None or (error is not None and error.key == self.key))
            and (self.header is None or self.header in response.headers)
        )

    def describe_condition(self) -> str:
        """The row's conditions in words, as the printed table shows them."""
        parts: list[str] = []
        if self.method is not None:
            parts.append(self.method)
        if self.status is not None:
            low, high = self.status
            parts.append(str(low) if low == high else _range_text(low, high))
        if self.failure is not None:
            parts.append(self.failure.value.replace("_", " "))
        if self.key is not None:
            parts.append(f"key `{self.key}`")
        if self.header is not None:
            parts.append(f"with `{self.header}`")
        if self.idempotent is not None:
            parts.append("idempotent" if self.idempotent else "not idempotent")
        if self.create is not None:
            parts.append("a create" if self.create else "not a create")
        if self.after_ambiguous is not None:
            parts.append("after an ambiguous failure" if self.after_ambiguous else "first answer")
        return " · ".join(parts) if parts else "anything else"


def _range_text(low: int, high: int) -> str:
    if low % 100 == 0 and high == low + 99:
        return f"{low // 100}xx"
    return f"{low}-{high}"


_STATUSES = range(100, 600)


def _as_rules(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(rules)


def _index_by_status(rules: tuple[Rule, ...]) -> dict[int, tuple[Rule, ...]]:
    by_status: dict[int, list[Rule]] = {status: [] for status in _STATUSES}
    for rule in rules:
        if rule.failure is not None:
            continue
        for status, candidates in by_status.items():
            if rule.status is None or rule.status[0] <= status <= rule.status[1]:
                candidates.append(rule)
    return {status: tuple(candidates) for status, candidates in by_status.items()}


def _index_by_failure(rules: tuple[Rule, ...]) -> dict[FailureKind, tuple[Rule, ...]]:
    return {
        kind: tuple(
            rule
            for rule in rules
            if rule.failure is kind
            or (
                rule.failure is None
                and rule.status is None
                and rule.key is None
                and rule.header is None
            )
        )
        for kind in FailureKind
    }


@frozen
class DecisionTable:
    """An ordered list of rules; the first matching row decides.

    Attributes:
        name: the table's name (``kanal``, ``karla``).
        rules: the rows, in order.
    """

    name: str
    rules: tuple[Rule, ...] = field(converter=_as_rules)
    _by_status: dict[int, tuple[Rule, ...]] = field(
        init=False,
        repr=False,
        eq=False,
        default=Factory(lambda s: _index_by_status(s.rules), takes_self=True),
    )
    _by_failure: dict[FailureKind, tuple[Rule, ...]] = field(
        init=False,
        repr=False,
        eq=False,
        default=Factory(lambda s: _index_by_failure(s.rules), takes_self=True),
    )
    # A verdict without a server wait depends on the row and the status alone: made once.
    _verdicts: dict[tuple[str, int | None], Verdict] = field(
        init=False, repr=False, eq=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            msg = f"decision table {self.name!r} has duplicate rule names: {duplicates}"
            raise ValueError(msg)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        msg = f"decision table {self.name!r} has no rule named {name!r}"
        raise KeyError(msg)

    # Verdicts that the status and the request decide alone (no row on the way to the one
    # that matched reads the body's key or a header, and no server wait is read): the second
    # answer of a kind is one lookup. Filled by `decide` from the rows, never written by hand.
    _plain: dict[tuple[int, str, bool, bool, bool], Verdict] = field(
        init=False, repr=False, eq=False, factory=dict
    )

    def match(self, outcome: Outcome, facts: RequestFacts) -> Rule | None:
        """The first row that matches, or ``None``."""
        return self._first(outcome, facts)[0]

    def _first(self, outcome: Outcome, facts: RequestFacts) -> tuple[Rule | None, bool]:
        # The first matching row, and whether the rows read on the way to it (it included)
        # looked at the status and the request only.
        if isinstance(outcome, TransportFailure):
            candidates = self._by_failure.get(outcome.kind, ())
        else:
            candidates = self._by_status.get(outcome.status, self.rules)
        plain = True
        for rule in candidates:
            plain = plain and rule.key is None and rule.header is None
            if rule.matches(outcome, facts):
                return rule, plain
        return None, plain

    def decide(self, outcome: Outcome, facts: RequestFacts, *, now: float) -> Verdict:
        """Shorthand for ``decide(self, outcome, facts, now=now)``."""
        return decide(self, outcome, facts, now=now)

    def prepend(self, *rules: Rule) -> DecisionTable:
        """A copy with `rules` placed first, so they win over every existing row."""
        return DecisionTable(self.name, (*rules, *self.rules))

    def replace(self, name: str, rule: Rule) -> DecisionTable:
        """A copy with the row called `name` replaced by `rule`, in the same place."""
        self[name]  # raises KeyError naming the table when there is no such row
        return DecisionTable(self.name, [rule if r.name == name else r for r in self.rules])

    def without(self, *names: str) -> DecisionTable:
        """A copy without the rows called `names`."""
        for name in names:
            self[name]
        return DecisionTable(self.name, [r for r in self.rules if r.name not in names])

    def to_markdown(self) -> str:
        """The table as Markdown, as the README and ``shopbridge table`` print it."""
        lines = [
            "| # | Rule | When | Action | Retried | Reason |",
            "|---|---|---|---|---|---|",
        ]
        for number, rule in enumerate(self.rules, start=1):
            retried = "yes" if rule.action.retryable else "no"
            reason = rule.reason.replace("|", "\\|")
            lines.append(
                f"| {number} | `{rule.name}` | {rule.describe_condition()} | "
                f"`{rule.action.name}` | {retried} | {reason} |"
            )
        return "\n".join(lines) + "\n"


_PLAIN_CACHE_SIZE = 4096
"""Bounds the verdicts kept by status and request: statuses times the kinds of requests."""

UNMATCHED_REASON = "No rule of the decision table matched; nothing documents this outcome."


def decide(table: DecisionTable, outcome: Outcome, facts: RequestFacts, *, now: float) -> Verdict:
    """Classify one attempt. Pure: the same inputs give the same verdict, and it never raises.

    Args:
        table: the dialect's decision table.
        outcome: the response, or the network failure.
        facts: what the request was.
        now: the current wall-clock time in Unix seconds, for HTTP-date and epoch wait hints.

    Returns:
        The verdict of the first matching row, with the server's wait hint when the action
        waits; a `FAIL` verdict naming the gap when no row matches.
    """
    status = outcome.status if isinstance(outcome, HttpResponse) else None
    try:
        plain_key = None
        if status is not None:
            plain_key = (
                status,
                facts.method,
                facts.idempotent,
                facts.after_ambiguous,
                facts.create,
            )
            known = table._plain.get(plain_key)
            if known is not None:
                return known
        rule, plain = table._first(outcome, facts)
        if rule is None:
            return Verdict(
                action=Action.FAIL, reason=UNMATCHED_REASON, rule="unmatched", status=status
            )
        if rule.action.retryable and isinstance(outcome, HttpResponse):
            body_hint = outcome.error.retry_after if outcome.error is not None else None
            hint = server_wait(outcome.headers, body_hint, now)
            if hint is not None:
                return Verdict(
                    action=rule.action,
                    reason=rule.reason,
                    rule=rule.name,
                    status=status,
                    wait=hint.seconds,
                    wait_source=hint.source,
                )
        key = (rule.name, status)
        verdict = table._verdicts.get(key)
        if verdict is None:
            verdict = Verdict(action=rule.action, reason=rule.reason, rule=rule.name, status=status)
            if status is None or 100 <= status < 600:  # bounded: rows by statuses
                table._verdicts[key] = verdict
        if (
            plain
            and plain_key is not None
            and not rule.action.retryable  # a retry's wait is the server's, read each time
            and 100 <= plain_key[0] < 600
            and len(table._plain) < _PLAIN_CACHE_SIZE
        ):
            table._plain[plain_key] = verdict
        return verdict
    except Exception as exc:  # noqa: BLE001 - decide() must never raise; the verdict says why
        return Verdict(
            action=Action.FAIL,
            reason=f"decide() could not classify this outcome ({type(exc).__name__})",
            rule="decide-error",
            status=status,
        )


def is_ambiguous(outcome: Outcome) -> bool:
    """Whether the server may have applied the request although it did not say it succeeded."""
    if isinstance(outcome, TransportFailure):
        return outcome.kind.ambiguous
    return outcome.status in AMBIGUOUS_STATUSES


def chain(*groups: Iterable[Rule]) -> tuple[Rule, ...]:
    """Concatenate rule groups in order (a dialect's own rows first)."""
    return tuple(rule for group in groups for rule in group)
