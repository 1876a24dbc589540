"""``shopbridge push kanal``: push a file of records into a store, with a progress bar.

The command's work, apart from its click options (`shopbridge.cli`): build the client (against
the given base URL, or the embedded sandbox with ``--sandbox``), run the bulk push with a
`ProgressBar`, print the summary tables, and say where the dead letter is. Returns the exit
status: 0 when every record is done, 1 when some are not.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.core.sources import InputFormat

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from rich.console import Console

    from shopbridge.core.bulk import PushOptions
    from shopbridge.core.bulk_report import BulkReport
    from shopbridge.kanal.client import AsyncKanal

__all__ = ["KANAL_RESOURCES", "KanalPush", "default_dead_letter", "quiet_logs"]

KANAL_RESOURCES = ("orders", "checkouts", "customers", "shipments", "customer-deletions")
"""What ``shopbridge push kanal`` pushes; ``customer-deletions`` erases customers (GDPR)."""


def default_dead_letter(file: str) -> Path:
    """Where the dead letter goes when ``--dead-letter`` is not given: beside the input."""
    if file == "-":
        return Path("stdin.dead-letter.jsonl")
    path = Path(file)
    return path.with_name(f"{path.stem}.dead-letter.jsonl")


@contextlib.contextmanager
def quiet_logs(verbosity: int) -> Any:
    """Keep the engine's per-attempt log lines off the progress bar, unless asked for (-v)."""
    logger = logging.getLogger("shopbridge")
    level = logger.level
    logger.setLevel(logging.ERROR if verbosity == 0 else logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(level)


def _method(client: AsyncKanal, resource: str) -> Callable[..., Awaitable[BulkReport]]:
    if resource == "customer-deletions":
        return client.customers.delete_many
    resources: dict[str, Any] = {
        "orders": client.orders,
        "checkouts": client.checkouts,
        "customers": client.customers,
        "shipments": client.shipments,
    }
    method: Callable[..., Awaitable[BulkReport]] = resources[resource].push_many
    return method


@frozen(kw_only=True)
class KanalPush:
    """One ``shopbridge push kanal`` run, as the options gave it."""

    resource: str
    file: str
    store_id: int
    api_key: str
    base_url: str
    rate_window: float
    concurrency: int
    dead_letter: Path
    checkpoint: Path | None
    format: InputFormat | None
    sandbox_rate_limit: RateLimit | None = None
    sandbox: bool = False

    async def run(self, console: Console) -> int:
        """Push, show progress and the summary; return the exit status (0 all done, 1 not)."""
        from shopbridge.console import ProgressBar  # noqa: PLC0415 - the CLI starts quicker
        from shopbridge.kanal.client import AsyncKanal  # noqa: PLC0415

        async with contextlib.AsyncExitStack() as stack:
            base_url = self.base_url
            if self.sandbox:
                from shopbridge.kanal.sandbox import KanalSandbox  # noqa: PLC0415 - only here

                sandbox = await stack.enter_async_context(
                    KanalSandbox(rate_limit=self.sandbox_rate_limit)
                )
                base_url = sandbox.base_url
                console.print(f"Kanal sandbox running in this process at {base_url}")
            client = await stack.enter_async_context(
                AsyncKanal(
                    self.api_key, self.store_id, base_url=base_url, rate_window=self.rate_window
                )
            )
            options: PushOptions = {
                "concurrency": self.concurrency,
                "dead_letter": self.dead_letter,
                "checkpoint": self.checkpoint,
                "format": self.format,
            }
            with ProgressBar(console, self.resource) as bar:
                report = await _method(client, self.resource)(self.file, on_progress=bar, **options)
            show_report(console, [report], client.table)
        return 0 if report.ok else 1


def show_report(console: Console, reports: list[BulkReport], table: Any) -> None:
    """Print the outcomes, the rules that fired, and where the dead letters are."""
    from shopbridge.console import (  # noqa: PLC0415 - as above
        dead_letter_table,
        outcomes_table,
        rules_table,
    )

    console.print(outcomes_table(reports))
    console.print(rules_table(reports, table))
    not_done = dead_letter_table(reports)
    if not_done is not None:
        console.print(not_done)
    for report in reports:
        if report.stopped:
            console.print(f"[bold red]{report.resource}: {report.stopped}[/]")
        if report.resumed_from:
            console.print(
                f"{report.resource}: resumed; {report.resumed_from} records were settled by "
                "earlier runs and not sent again"
            )
        if report.dead_letter is not None:
            console.print(
                f"{report.resource}: {report.dead_lettered} records did not reach done; "
                f"they are in the dead letter [bold]{report.dead_letter}[/] (fix them, then "
                "push that file again)"
            )
