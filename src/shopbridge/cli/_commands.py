"""The ``shopbridge`` command line (also ``python -m shopbridge``).

One click group, `main`, with a sub-group or command per job::

    shopbridge demo                  push a sample shop into the embedded sandbox, faults on
    shopbridge push kanal RESOURCE FILE --store ID   push a JSONL/CSV file at the rate limit
    shopbridge push karla RESOURCE FILE --shop SLUG  the same, into a Karla shop
    shopbridge quickstart            every Kanal endpoint once, on the embedded sandbox
    shopbridge table kanal|karla     print a decision table (Markdown, as in the README)
    shopbridge sandbox kanal [--host H] [--port P] [--rate-limit 60/60|off] [--faults SPEC]
                             [--seed N] [--missing-delete 204|404]
    shopbridge sandbox karla [--host H] [--port P] [--rate-limit off|LIMIT/SECONDS]
                             [--faults SPEC] [--seed N] [--deliver-webhooks]
                             [--wrap-responses] [--validation-errors fastapi|envelope]

The small commands are here; ``push`` is in `shopbridge.cli._push_command`, ``sandbox`` in
`shopbridge.cli._sandbox_command`. Commands import what they run when they run, so
``shopbridge --help`` stays quick: it imports neither a client, a sandbox, aiohttp nor rich.
"""

from __future__ import annotations

from pathlib import Path

import click

from shopbridge.cli._push_command import push
from shopbridge.cli._sandbox_command import sandbox

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shopbridge", prog_name="shopbridge")
def main() -> None:
    """Push shop data into the Kanal and Karla APIs, and run their sandboxes."""


main.add_command(push)
main.add_command(sandbox)


@main.command()
def quickstart() -> None:
    """Call every Kanal endpoint once on the embedded sandbox, printing each verdict.

    Starts the Kanal sandbox in this process, then upserts one record of each resource through
    the blocking client, updates, deletes, shows two refusals and the pacer at work. Each
    attempt prints the decision-table row that classified it.
    """
    from shopbridge.cli._quickstart import run  # noqa: PLC0415 - keep --help quick

    run(click.echo)


@main.command()
@click.argument("api", type=click.Choice(["kanal", "kanal-messaging", "karla"]))
def table(api: str) -> None:
    """Print the decision table of API (kanal, kanal-messaging or karla), as Markdown.

    Each row: the conditions it matches, the action, whether it is retried, and the reason in
    the API docs' own words. The first matching row wins. The README's copies are this output.
    """
    from shopbridge import KANAL_TABLE, KARLA_TABLE  # noqa: PLC0415 - keep --help quick
    from shopbridge.kanal import KANAL_MESSAGING_TABLE  # noqa: PLC0415

    tables = {"kanal": KANAL_TABLE, "kanal-messaging": KANAL_MESSAGING_TABLE, "karla": KARLA_TABLE}
    click.echo(tables[api].to_markdown(), nl=False)


@main.command()
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the dead-letter files (default: a new temporary directory).",
)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="Seed of the sandbox's faults."
)
def demo(*, output: Path | None, seed: int) -> None:
    """Push a sample shop into the embedded Kanal sandbox, with faults on.

    Starts the Kanal sandbox in this process with 429 bursts, some 5xx and connections dropped
    after the write, then pushes the bundled customers, orders, checkouts (CSV) and shipments,
    a few of them invalid, with a progress bar. Ends with what happened to every record, which
    rows of the decision table fired, and where the dead letters are. About 20 seconds.
    """
    import asyncio  # noqa: PLC0415 - keep --help quick (asyncio is slow to import)

    from rich.console import Console  # noqa: PLC0415

    from shopbridge.cli._demo import run_demo  # noqa: PLC0415

    asyncio.run(run_demo(Console(), output=output, seed=seed))
