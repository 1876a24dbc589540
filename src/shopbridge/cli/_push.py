"""``shopbridge push kanal|karla``: push a file of records, with a progress bar.

The command's work, apart from its click options (`shopbridge.cli._push_command`): build the
client (against the given base URL, or the embedded sandbox with ``--sandbox``), run the bulk
push with a progress display (a bar on a terminal, plain lines into a file or a pipe, none with
``--quiet``), print the summary tables (or, with ``--json``, the report as one JSON object),
and say where the dead letter is. Returns the exit status: 0 when every record is done, 1 when
some are not, 3 when a file of the run (dead letter, checkpoint) could not be written and the
run stopped. Interrupted (Ctrl-C, SIGTERM), it prints what it settled and the command that
resumes it (`shopbridge.cli._interrupt`), then lets the cancellation go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

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

__all__ = [
    "FILE_ERROR_STATUS",
    "PushJob",
    "default_dead_letter",
    "quiet_logs",
    "show_problems",
    "show_report",
]

FILE_ERROR_STATUS = 3
"""The exit status of a push stopped because its dead letter or checkpoint could not be written
(a full disk): distinct from 1, "some records not done", since the fix is not in the records."""


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
    if resource in ("orders", "products"):
        upserts: Callable[..., Awaitable[BulkReport]] = getattr(client, resource).push_many
        return upserts
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
        output: ``auto`` (a bar on a terminal, plain lines otherwise, then the tables),
            ``quiet`` (nothing but problems) or ``json`` (the report as JSON on stdout,
            progress lines on stderr).
        method_options: the resource's own options (a messaging push's ``key_column``...).
        own_checkpoint: whether `checkpoint` is the default one kept beside the dead letter,
            removed once the run ends by itself.
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
    output: str = "auto"
    own_checkpoint: bool = False
    method_options: Mapping[str, Any] = field(factory=dict)
    pacing: str | None = None

    async def run(self, console: Console) -> int:
        """Push, show progress and the summary; return the exit status (0, 1 or 3)."""
        # Imported here: the CLI starts quicker.
        from rich.console import Console  # noqa: PLC0415

        from shopbridge.cli._console import progress_display  # noqa: PLC0415
        from shopbridge.cli._interrupt import show_interrupted  # noqa: PLC0415

        async with contextlib.AsyncExitStack() as stack:
            base_url = self.base_url
            if self.sandbox:
                sandbox = await stack.enter_async_context(self._sandbox())
                base_url = sandbox.base_url
                if self.output == "auto":
                    console.print(
                        f"{self.api.title()} sandbox running in this process at {base_url}"
                    )
            client, method = self._client(base_url)
            await stack.enter_async_context(client)
            options: PushOptions = {
                "concurrency": self.concurrency,
                "dead_letter": self.dead_letter,
                "checkpoint": self.checkpoint,
                "format": self.format,
            }
            shown = Console(stderr=True) if self.output == "json" else console
            with progress_display(shown, self.resource, quiet=self.output == "quiet") as bar:
                try:
                    report = await method(
                        self.file, on_progress=bar, **options, **self.method_options
                    )
                except asyncio.CancelledError:
                    if self.checkpoint is not None:
                        show_interrupted(
                            console,
                            resource=self.resource,
                            checkpoint=self.checkpoint,
                            last=bar.last,
                            as_json=self.output == "json",
                        )
                    raise
            ended = not report.stopped and report.file_error is None
            if self.own_checkpoint and self.checkpoint is not None and ended:
                # Ended by itself: what is left to do is in the dead letter, not to resume.
                self.checkpoint.unlink(missing_ok=True)
                self.checkpoint.with_name(self.checkpoint.name + ".sent").unlink(missing_ok=True)
            messaging = self.resource in KANAL_MESSAGING_RESOURCES
            if self.output == "json":
                console.file.write(json.dumps(report.to_dict()) + "\n")
            elif self.output == "quiet":
                show_problems(console, [report])
            else:
                show_report(
                    console, [report], client.messaging_table if messaging else client.table
                )
        if report.file_error is not None:
            return FILE_ERROR_STATUS
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
    show_problems(console, reports)


def show_problems(console: Console, reports: list[BulkReport]) -> None:
    """Print what needs the user: a stopped run, a resumed one, where the dead letters are."""
    for report in reports:
        if report.file_error:
            console.print(
                f"[bold red]{report.resource}: {report.file_error}.[/] Every record settled "
                "before that is counted in the checkpoint; free the space and run the same "
                "command again to resume."
            )
        elif report.stopped:
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
