"""The ``shopbridge`` command line (also ``python -m shopbridge``).

One click group, `main`, with a sub-group or command per job::

    shopbridge quickstart            every Kanal endpoint once, on the embedded sandbox
    shopbridge table kanal|karla     print a decision table (Markdown, as in the README)
    shopbridge sandbox kanal [--host H] [--port P] [--rate-limit 60/60|off] [--faults SPEC]
                             [--seed N] [--missing-delete 204|404]

Commands import what they run when they run, so ``shopbridge --help`` stays quick.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from shopbridge._sandbox.faults import Faults, FaultSpecError
from shopbridge._sandbox.ratelimit import RateLimit, RateLimitSpecError

if TYPE_CHECKING:
    from shopbridge._sandbox.server import SandboxServer

__all__ = ["main"]


def _faults_option(_ctx: click.Context, _param: click.Parameter, value: str) -> Faults:
    try:
        return Faults.parse(value)
    except FaultSpecError as exc:
        raise click.BadParameter(str(exc)) from None


def _rate_limit_option(
    _ctx: click.Context, _param: click.Parameter, value: str
) -> RateLimit | None:
    try:
        return RateLimit.parse(value)
    except RateLimitSpecError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shopbridge", prog_name="shopbridge")
def main() -> None:
    """Push shop data into the Kanal and Karla APIs, and run their sandboxes."""


@main.command()
def quickstart() -> None:
    """Call every Kanal endpoint once on the embedded sandbox, printing each verdict.

    Starts the Kanal sandbox in this process, then upserts one record of each resource through
    the blocking client, updates, deletes, shows two refusals and the pacer at work. Each
    attempt prints the decision-table row that classified it.
    """
    from shopbridge.quickstart import run  # noqa: PLC0415 - keep --help quick

    run(click.echo)


@main.command()
@click.argument("api", type=click.Choice(["kanal", "karla"]))
def table(api: str) -> None:
    """Print the decision table of API (kanal or karla), as Markdown.

    Each row: the conditions it matches, the action, whether it is retried, and the reason in
    the API docs' own words. The first matching row wins. The README's copies are this output.
    """
    from shopbridge.kanal.table import KANAL_TABLE  # noqa: PLC0415 - keep --help quick
    from shopbridge.karla.table import KARLA_TABLE  # noqa: PLC0415

    click.echo((KANAL_TABLE if api == "kanal" else KARLA_TABLE).to_markdown(), nl=False)


@main.group()
def sandbox() -> None:
    """Run an API sandbox: an in-memory fake of the API on this machine."""


@sandbox.command("kanal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--rate-limit",
    default="60/60",
    callback=_rate_limit_option,
    metavar="LIMIT/SECONDS",
    show_default=True,
    help="Requests per window per store, as LIMIT/SECONDS, or 'off'.",
)
@click.option(
    "--faults",
    default="none",
    callback=_faults_option,
    metavar="SPEC",
    show_default=True,
    help=(
        "Faults to inject, e.g. '503=0.1,500=0.02,drop_before=0.02,drop_after=0.02,"
        "slow=0.05:0.3,malformed=0.5,throttle=0.01:1'."
    ),
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fault generator.")
@click.option(
    "--missing-delete",
    type=click.Choice(["204", "404"]),
    default="204",
    show_default=True,
    help="Answer to deleting an unknown customer.",
)
def sandbox_kanal(
    *,
    host: str,
    port: int,
    rate_limit: RateLimit | None,
    faults: Faults,
    seed: int,
    missing_delete: str,
) -> None:
    """Serve the Kanal sandbox until Ctrl-C (or SIGTERM).

    The first line printed is the base URL to give the client, e.g.
    http://127.0.0.1:8080/api/v1. Records, counters and faults are readable under
    /_sandbox/ on the same host and port.
    """
    from shopbridge.kanal.sandbox import KanalSandbox  # noqa: PLC0415 - keep --help quick

    server = KanalSandbox(
        host=host,
        port=port,
        rate_limit=rate_limit,
        faults=faults,
        seed=seed,
        missing_delete=404 if missing_delete == "404" else 204,
    )
    _serve(server, "Kanal", port_given=port)


def _serve(server: SandboxServer, api: str, *, port_given: int) -> None:
    from shopbridge._sandbox.runner import serve_until_signalled  # noqa: PLC0415 - as above
    from shopbridge.core.transport import is_loopback  # noqa: PLC0415

    if not is_loopback(server.host):
        click.echo(
            f"warning: listening on {server.host}, not loopback: anyone who can reach this "
            "machine can use the sandbox's documented keys.",
            err=True,
        )

    def announce(running: SandboxServer) -> None:
        # The first line carries the base URL and is flushed at once: scripts and tests read
        # it from a pipe to learn the port.
        click.echo(f"{api} sandbox listening on {running.base_url}")
        for line in running.describe():
            click.echo(line)
        click.echo("Press Ctrl-C to stop.")
        sys.stdout.flush()

    try:
        serve_until_signalled(server, on_started=announce)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = f"cannot listen on {server.host}:{port_given}: {reason}"
        raise click.BadParameter(msg, param_hint="'--host' / '--port'") from None
