"""``shopbridge push kanal|karla``: push a file of records, with a progress bar.

The command's work, apart from its click options (`shopbridge.cli._push_command`): build the
client (against the given base URL, or the embedded sandbox with ``--sandbox``), run the bulk
push with a `ProgressBar`, print the summary tables, and say where the dead letter is. Returns
the exit status: 0 when every record is done, 1 when some are not.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from shopbridge.cli._resources import KANAL_MESSAGING_RESOURCES
from shopbridge.core.bulk._report import records
from shopbridge.core.bulk._sources import InputFormat

# PushJob is never structured by cattrs, so its annotations stay strings: RateLimit is only a
# type here, and a Karla push imports no Kanal sandbox for it.
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from rich.console import Console

    from shopbridge.core.bulk._push import PushOptions
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.kanal import AsyncKanal
    from shopbridge.kanal.sandbox import RateLimit  # noqa: TC004 - see above
    from shopbridge.karla import AsyncKarla

__all__ = ["PushJob", "default_dead_letter", "quiet_logs", "show_report"]


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


def _kanal_method(client: AsyncKanal, resource: str) -> Callable[..., Awaitable[BulkReport]]:
    if resource == "customer-deletions":
        return client.customers.delete_many
    if resource == "template-messages":
        return client.templates.push_many
    if resource == "automation-triggers":
        return client.automations.push_many
    resources: dict[str, Any] = {
        "orders": client.orders,
        "checkouts": client.checkouts,
        "customers": client.customers,
        "shipments": client.shipments,
    }
    method: Callable[..., Awaitable[BulkReport]] = resources[resource].push_many
    return method


def _karla_method(client: AsyncKarla, resource: str) -> Callable[..., Awaitable[BulkReport]]:
    if resource == "orders":
        return client.orders.push_many
    creates: dict[str, Any] = {
        "campaigns": client.campaigns,
        "discounts": client.discounts,
        "announcements": client.announcements,
    }
    method: Callable[..., Awaitable[BulkReport]] = creates[resource].create_many
    return method


@frozen(kw_only=True)
class PushJob:
    """One ``shopbridge push kanal|karla`` run, as the options gave it.

    Attributes:
        api: ``kanal`` or ``karla``.
        resource: what to push (one of the command's `KANAL_RESOURCES` or `KARLA_RESOURCES`).
        file: the input's path, ``-`` for stdin.
        scope: the Kanal store id, or the Karla shop slug.
        api_key: the key.
        username: Karla's Basic username (the shop slug unless given).
        base_url: the API's base URL, or ``None`` for the client's default.
        rate_window: the store's rate-limit window (Kanal), seconds; ``None``: learned.
        concurrency: requests in flight at most.
        dead_letter: where the records not done go.
        checkpoint: where the resumable point is kept, if anywhere.
        format: the input's format, when its suffix does not say it.
        sandbox_rate_limit: with `sandbox`, the embedded sandbox's limit.
        sandbox: push into the embedded sandbox instead.
        pacing: a Redis URL to share the store's window in (``None``: this process alone).
    """

    api: str
    resource: str
    file: str
    scope: str
    api_key: str
    username: str | None = None
    base_url: str | None = None
    rate_window: float | None = None
    concurrency: int
    dead_letter: Path
    checkpoint: Path | None = None
    format: InputFormat | None = None
    sandbox_rate_limit: RateLimit | None = None
    sandbox: bool = False
    pacing: str | None = None

    async def run(self, console: Console) -> int:
        """Push, show progress and the summary; return the exit status (0 all done, 1 not)."""
        from shopbridge.cli._console import ProgressBar  # noqa: PLC0415 - the CLI starts quicker

        async with contextlib.AsyncExitStack() as stack:
            base_url = self.base_url
            if self.sandbox:
                sandbox = await stack.enter_async_context(self._sandbox())
                base_url = sandbox.base_url
                console.print(f"{self.api.title()} sandbox running in this process at {base_url}")
            client, method = self._client(base_url)
            await stack.enter_async_context(client)
            options: PushOptions = {
                "concurrency": self.concurrency,
                "dead_letter": self.dead_letter,
                "checkpoint": self.checkpoint,
                "format": self.format,
            }
            with ProgressBar(console, self.resource) as bar:
                report = await method(self.file, on_progress=bar, **options)
            messaging = self.resource in KANAL_MESSAGING_RESOURCES
            show_report(console, [report], client.messaging_table if messaging else client.table)
        return 0 if report.ok else 1

    def _sandbox(self) -> Any:
        # Imported here: only --sandbox needs the sandbox's server code.
        if self.api == "kanal":
            from shopbridge.kanal.sandbox import KanalSandbox  # noqa: PLC0415

            sandbox = KanalSandbox(rate_limit=self.sandbox_rate_limit)
            sandbox.messaging.set_rate_limit(self.sandbox_rate_limit)
            return sandbox
        from shopbridge.karla.sandbox import KarlaSandbox  # noqa: PLC0415

        return KarlaSandbox(rate_limit=self.sandbox_rate_limit)

    def _client(self, base_url: str | None) -> tuple[Any, Callable[..., Awaitable[BulkReport]]]:
        if self.api == "kanal":
            from shopbridge import kanal  # noqa: PLC0415

            options: kanal.KanalOptions = {
                "base_url": base_url or kanal.DEFAULT_BASE_URL,
                "pacing": self.pacing,
            }
            if self.rate_window is not None:  # else assumed, and learned
                options["rate_window"] = self.rate_window
            kanal_client = kanal.AsyncKanal(
                self.api_key,
                self.scope or None,  # no store: a messaging push
                **options,
            )
            return kanal_client, _kanal_method(kanal_client, self.resource)
        from shopbridge import karla  # noqa: PLC0415

        karla_client = karla.AsyncKarla(
            self.username or self.scope,
            self.api_key,
            self.scope,
            base_url=base_url or karla.DEFAULT_BASE_URL,
            pacing=self.pacing,
        )
        return karla_client, _karla_method(karla_client, self.resource)


def show_report(console: Console, reports: list[BulkReport], table: Any) -> None:
    """Print the outcomes, the rules that fired, and where the dead letters are."""
    from shopbridge.cli._console import (  # noqa: PLC0415 - as above
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
                f"{report.resource}: resumed; {records(report.resumed_from)} settled by "
                "earlier runs and not sent again"
            )
        if report.dead_letter is not None:
            console.print(
                f"{report.resource}: {records(report.dead_lettered)} did not reach done; "
                f"they are in the dead letter [bold]{report.dead_letter}[/] (fix them, then "
                "push that file again)"
            )
