"""What the command line shows of a bulk run: a rich progress bar, then the summary tables.

`ProgressBar` is an ``on_progress`` callback that drives a rich progress bar (done/total, rate,
ETA, retries, 429s met, rejected). `outcomes_table` and `rules_table` render the `BulkReport`:
how many records ended how, and which rows of the decision table fired, with their actions and
reasons, so that what the table did is there to read.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Self

import orjson
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from shopbridge.core._errors import ValidationError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.bulk._sources import DEAD_LETTER_KEY

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path
    from types import TracebackType

    from rich.console import Console

    from shopbridge.core.bulk._report import BulkProgress, BulkReport
    from shopbridge.core.sansio._table import DecisionTable

__all__ = ["ProgressBar", "dead_letter_table", "outcomes_table", "read_dead_letter", "rules_table"]

_STYLES = {
    BulkOutcome.CREATED: "green",
    BulkOutcome.UPDATED: "green",
    BulkOutcome.UPSERTED: "green",
    BulkOutcome.DELETED: "green",
    BulkOutcome.ALREADY_EXISTED: "green",
    BulkOutcome.SENT: "green",
    BulkOutcome.ALREADY_SENT: "green",
    BulkOutcome.TRIGGERED: "green",
    BulkOutcome.BLOCKED: "yellow",
    BulkOutcome.SKIPPED: "yellow",
}


def _titled(title: str) -> Table:
    # A title is folded to the table's width; a narrow table must not fold its own title.
    return Table(title=title, title_justify="left", min_width=len(title) + 2)


class ProgressBar:
    """A rich progress bar for one bulk run; pass the instance as ``on_progress``.

    Args:
        console: where to draw.
        description: the bar's label (the resource).
    """

    def __init__(self, console: Console, description: str) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>7.1f}/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[extra]}"),
            console=console,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(description, total=None, rate=0.0, extra="")

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, event: BulkProgress) -> None:
        """Show one progress event."""
        extra = f"retries {event.retries} · 429s {event.rate_limited} · rejected {event.rejected}"
        if event.failed > event.rejected:
            extra += f" · other failures {event.failed - event.rejected}"
        self._progress.update(
            self._task,
            completed=event.settled,
            total=event.total if event.total is not None else None,
            rate=event.rate,
            extra=extra,
        )


def outcomes_table(reports: Iterable[BulkReport]) -> Table:
    """One column per resource, one row per outcome met: how every record ended."""
    reports = list(reports)
    table = _titled("What happened to every record")
    table.add_column("")
    for report in reports:
        table.add_column(report.resource, justify="right")
    table.add_row("[bold]records", *(f"[bold]{report.total}" for report in reports))
    for outcome in BulkOutcome:
        if any(report.counts[outcome] for report in reports):
            style = _STYLES.get(outcome, "red")
            table.add_row(
                f"[{style}]{outcome.value.replace('_', ' ')}",
                *(str(report.counts[outcome]) for report in reports),
            )
    table.add_row("retries", *(str(report.retries) for report in reports))
    table.add_row("429s met", *(str(report.rate_limited) for report in reports))
    table.add_row("records/s", *(f"{report.records_per_second:.1f}" for report in reports))
    return table


def dead_letter_table(reports: Iterable[BulkReport], *, limit: int = 12) -> Table | None:
    """The first records that did not reach done, read back from the dead letters, and why."""
    table = _titled("Records not done (from the dead letters)")
    for name in ("resource", "line", "outcome", "why"):
        table.add_column(name, overflow="fold")
    shown = left = 0
    for report in reports:
        if report.dead_letter is None:
            continue
        for row in read_dead_letter(report.dead_letter):
            if shown >= limit:
                left += 1
                continue
            shown += 1
            table.add_row(report.resource, str(row.get("line") or ""), row["outcome"], row["why"])
    if not shown:
        return None
    if left:
        table.caption = f"... and {left} more in the dead-letter files"
    return table


def read_dead_letter(path: Path) -> Iterator[dict[str, str]]:
    """The account of each dead-letter row: line, outcome, and why in one phrase."""
    with path.open("rb") as file:
        for raw in file:
            try:
                account = orjson.loads(raw).get(DEAD_LETTER_KEY, {})
            except (orjson.JSONDecodeError, AttributeError):
                continue  # a row edited by hand: the file is the user's now
            errors = account.get("field_errors") or {}
            why = "; ".join(
                messages[0]
                if path.replace("_", " ") in messages[0] or not path
                else f"{path}: {messages[0]}"
                for path, messages in errors.items()
                if messages
            )
            why = why or account.get("message") or account.get("reason") or ""
            yield {"line": account.get("line"), "outcome": account.get("outcome", ""), "why": why}


_LOCAL_RULES = {
    "client-validation": ("FIX_PAYLOAD", ValidationError.REASON),
    "unreadable-input": ("FIX_PAYLOAD", "The line could not be read as a record: fix it."),
}
"""Outcomes decided before any request, and so by no row of the decision table."""


def rules_table(reports: Iterable[BulkReport], decision_table: DecisionTable) -> Table:
    """The decision-table rows that fired during the runs: how often, the action, the reason."""
    fired: Counter[str] = Counter()
    for report in reports:
        fired.update(report.rules)
    table = _titled("What the decision table did")
    table.add_column("rule")
    table.add_column("times", justify="right")
    table.add_column("action")
    table.add_column("reason", overflow="fold")
    rules = {rule.name: rule for rule in decision_table.rules}
    for name, count in sorted(fired.items(), key=lambda item: -item[1]):
        rule = rules.get(name)
        if rule is not None:
            action, reason = rule.action.name, rule.reason
        else:
            action, reason = _LOCAL_RULES.get(name, ("", ""))
        table.add_row(name, str(count), action, reason)
    return table
