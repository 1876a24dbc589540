"""What the command line shows of a bulk run: a rich progress bar, then the summary tables.

`ProgressBar` is an ``on_progress`` callback that drives a rich progress bar (done/total, rate,
elapsed and ETA on the bar's line, retries, 429s met, rejected under it); `ProgressLines` says
the same as plain lines every few seconds, for a log file or a pipe. `outcomes_table` and
`rules_table` render the `BulkReport`: how many records ended how, and which rows of the
decision table fired, with their actions and reasons, so that what the table did is there to
read. Into a file or a pipe the tables are plain columns, without box drawing.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, Self

import orjson
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
)
from rich.table import Table
from rich.text import Text

from shopbridge.core._errors import ValidationError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.bulk._sources import DEAD_LETTER_KEY

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path
    from types import TracebackType

    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

    from shopbridge.core.bulk._report import BulkProgress, BulkReport
    from shopbridge.core.sansio._table import DecisionTable

__all__ = [
    "NoProgress",
    "ProgressBar",
    "ProgressLines",
    "clock",
    "counters_text",
    "dead_letter_table",
    "outcomes_table",
    "progress_display",
    "progress_line",
    "read_dead_letter",
    "rules_table",
    "stdout_console",
]

_LOG_WIDTH = 200
"""The width of the tables written into a file or a pipe."""

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


class _Summary(Table):
    """A table drawn with box lines on a terminal, and as plain columns into a file or pipe."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not console.is_terminal:
            # A log keeps words, not box drawing: columns apart, a rule-less header.
            self.box = None
        return super().__rich_console__(console, options)


def _titled(title: str) -> Table:
    # A title is folded to the table's width; a narrow table must not fold its own title.
    return _Summary(title=title, title_justify="left", min_width=len(title) + 2)


class _TwoLines(Progress):
    """A progress display whose counters get a line of their own, under the bar.

    On one line, at 80 columns, rich cut done/total, the elapsed time and the ETA to ``…`` to
    make room for the retries; under the bar they fold instead, and the bar line keeps its
    fixed-width columns whole (only the bar itself shrinks).
    """

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        for task in self.tasks:
            extra = task.fields.get("extra")
            if extra:
                yield Text(f"  {extra}", overflow="fold")


class ProgressBar:
    """A rich progress bar for one bulk run; pass the instance as ``on_progress``.

    Args:
        console: where to draw.
        description: the bar's label (the resource).
    """

    def __init__(self, console: Console, description: str) -> None:
        self.last: BulkProgress | None = None
        """The last event shown (the run's partial account if it is interrupted)."""
        self._progress = _TwoLines(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>7.1f}/s"),
            # The run's own clock and ETA: rich's would restart with a resumed run's first event.
            TextColumn("{task.fields[elapsed]} ETA {task.fields[eta]}"),
            console=console,
            transient=False,
            expand=True,
        )
        self._task: TaskID = self._progress.add_task(
            description, total=None, rate=0.0, elapsed=clock(0.0), eta=clock(None), extra=""
        )

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
        self.last = event
        self._progress.update(
            self._task,
            completed=event.settled,
            total=event.total if event.total is not None else None,
            rate=event.rate,
            elapsed=clock(event.elapsed),
            eta=clock(event.eta),
            extra=counters_text(event),
        )


class ProgressLines:
    """Progress as plain lines, one every `every` seconds and one at the end: for a log file.

    What a job runner keeps of a rich bar drawn into a pipe is its last frame, cut at 80
    columns; these lines say the same in full, with no cursor movement and no box drawing.

    Args:
        console: where to write.
        description: the resource, at the start of each line.
        every: seconds at least between two lines (the last one is always written).
    """

    def __init__(self, console: Console, description: str, *, every: float = 10.0) -> None:
        self.last: BulkProgress | None = None
        """The last event received (the run's partial account if it is interrupted)."""
        self._console = console
        self._description = description
        self._every = every
        self._next = 0.0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __call__(self, event: BulkProgress) -> None:
        """Write a line for `event` if `every` seconds have passed, or if it is the last."""
        self.last = event
        if not event.finished and event.elapsed < self._next:
            return
        self._next = event.elapsed + self._every
        self._console.out(progress_line(self._description, event), highlight=False)


class NoProgress(ProgressLines):
    """``--quiet``: progress events are kept (for an interrupted run's account), never shown."""

    def __call__(self, event: BulkProgress) -> None:
        """Keep `event`."""
        self.last = event


def stdout_console() -> Console:
    """The console of a command's output: the terminal, or a file or pipe written unwrapped.

    Into a file, rich would fold every line at 80 columns, paths and the resume command
    included: there, text is never wrapped and tables get 200 columns (unless ``COLUMNS`` says).
    """
    from rich.console import Console  # noqa: PLC0415 - a type only, elsewhere in this module

    console = Console()
    if console.is_terminal:
        return console
    width = None if os.environ.get("COLUMNS") else _LOG_WIDTH
    return Console(width=width, soft_wrap=True)


def progress_display(
    console: Console, description: str, *, quiet: bool
) -> ProgressLines | ProgressBar:
    """The ``on_progress`` display for `console`: a bar on a terminal, lines into a file."""
    if quiet:
        return NoProgress(console, description)
    if console.is_terminal:
        return ProgressBar(console, description)
    return ProgressLines(console, description)


def progress_line(description: str, event: BulkProgress) -> str:
    """One progress event as a line of plain text."""
    total = "?" if event.total is None else str(event.total)
    head = "done" if event.finished else "progress"
    return (
        f"{description}: {head} {event.settled}/{total} · {event.rate:.1f}/s · "
        f"elapsed {clock(event.elapsed)} · ETA {clock(event.eta)} · {counters_text(event)}"
    )


def clock(seconds: float | None) -> str:
    """Seconds as ``H:MM:SS``; ``-:--:--`` when not known."""
    if seconds is None:
        return "-:--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def counters_text(event: BulkProgress) -> str:
    """The counters of a progress event in words: retries, 429s met, rejected, other failures."""
    extra = f"retries {event.retries} · 429s {event.rate_limited} · rejected {event.rejected}"
    if event.failed > event.rejected:
        extra += f" · other failures {event.failed - event.rejected}"
    return extra


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
