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

Commands import what they run when they run, so ``shopbridge --help`` stays quick.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from shopbridge._sandbox.faults import Faults, FaultSpecError
from shopbridge._sandbox.ratelimit import RateLimit, RateLimitSpecError
from shopbridge.cli._push import KANAL_MESSAGING_RESOURCES, KANAL_RESOURCES, KARLA_RESOURCES

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from rich.console import Console

    from shopbridge._sandbox.server import SandboxServer
    from shopbridge.core.bulk._sources import InputFormat

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
    from shopbridge.cli._quickstart import run  # noqa: PLC0415 - keep --help quick

    run(click.echo)


@main.command()
@click.argument("api", type=click.Choice(["kanal", "karla"]))
def table(api: str) -> None:
    """Print the decision table of API (kanal or karla), as Markdown.

    Each row: the conditions it matches, the action, whether it is retried, and the reason in
    the API docs' own words. The first matching row wins. The README's copies are this output.
    """
    from shopbridge.kanal._table import KANAL_TABLE  # noqa: PLC0415 - keep --help quick
    from shopbridge.karla._table import KARLA_TABLE  # noqa: PLC0415

    click.echo((KANAL_TABLE if api == "kanal" else KARLA_TABLE).to_markdown(), nl=False)


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
    from shopbridge.cli._demo import run_demo  # noqa: PLC0415 - keep --help quick

    asyncio.run(run_demo(_console(), output=output, seed=seed))


@main.group()
def push() -> None:
    """Push a file of records into an API at its rate limit, losing none.

    Exit status: 0 when every record is done, 1 when some are not (they are in the dead
    letter), 2 for a usage error.
    """


def _push_options(
    *, api: str, base_url: str, sandbox_rate_limit: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every ``push`` command takes, whatever the API."""
    options = (
        click.option("--base-url", default=None, help=f"The API's base URL, {base_url}."),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 256),
            default=8,
            show_default=True,
            help="Requests in flight at most (pacing keeps to the rate limit anyway).",
        ),
        click.option(
            "--dead-letter",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Where the records that did not reach done go [default: FILE.dead-letter.jsonl].",
        ),
        click.option(
            "--checkpoint",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Keep the run's resumable point here; run again with it to resume.",
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(["jsonl", "csv"]),
            default=None,
            help="The input's format [default: from FILE's suffix; jsonl for -].",
        ),
        click.option(
            "--sandbox", is_flag=True, help=f"Push into the embedded {api} sandbox instead."
        ),
        click.option(
            "--sandbox-rate-limit",
            default=sandbox_rate_limit,
            callback=_rate_limit_option,
            show_default=True,
            metavar="LIMIT/SECONDS",
            help="With --sandbox: its rate limit, or 'off'.",
        ),
        click.option("-v", "--verbose", count=True, help="Log every retry and give-up."),
    )

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@push.command("kanal")
@click.argument("resource", type=click.Choice(KANAL_RESOURCES))
@click.argument("file", type=str)
@click.option("--store", "store_id", type=int, default=None, help="The store's numeric id.")
@click.option(
    "--api-key",
    envvar="KANAL_API_KEY",
    show_envvar=True,
    default=None,
    help="The store's API key (better from the environment than on the command line).",
)
@click.option(
    "--rate-window",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="The store's rate-limit window in seconds [default: 60, Kanal's minute].",
)
@_push_options(api="Kanal", base_url="up to /api/v1", sandbox_rate_limit="60/1")
def push_kanal(
    *,
    resource: str,
    file: str,
    store_id: int | None,
    api_key: str | None,
    rate_window: float | None,
    sandbox: bool,
    sandbox_rate_limit: RateLimit | None,
    verbose: int,
    **common: Any,
) -> None:
    """Push FILE (JSONL or CSV; - for stdin) of RESOURCE records into a Kanal store.

    Shows a progress bar, then what happened to every record. Records that did not reach
    done go to the dead letter, itself valid input: fix them, push it again.
    """
    if sandbox:
        from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID  # noqa: PLC0415

        api_key = api_key or DEFAULT_API_KEY
        store_id = store_id if store_id is not None else DEFAULT_STORE_ID
        if rate_window is None and sandbox_rate_limit is not None:
            rate_window = sandbox_rate_limit.window
    if store_id is None and resource not in KANAL_MESSAGING_RESOURCES:
        msg = "give the store with --store ID (the numeric id Kanal gave with your key)"
        raise click.UsageError(msg)
    if not api_key:
        msg = "no API key: set KANAL_API_KEY (or pass --api-key), or use --sandbox"
        raise click.UsageError(msg)
    _push_job(
        "kanal",
        resource,
        file,
        scope="" if store_id is None else str(store_id),
        api_key=api_key,
        rate_window=rate_window,
        sandbox=sandbox,
        sandbox_rate_limit=sandbox_rate_limit,
        verbose=verbose,
        **common,
    )


@push.command("karla")
@click.argument("resource", type=click.Choice(KARLA_RESOURCES))
@click.argument("file", type=str)
@click.option("--shop", "shop_slug", default=None, help="The shop's slug.")
@click.option(
    "--username",
    envvar="KARLA_USERNAME",
    show_envvar=True,
    default=None,
    help="The Basic-auth username [default: the shop's slug].",
)
@click.option(
    "--api-key",
    envvar="KARLA_API_KEY",
    show_envvar=True,
    default=None,
    help="The API key (better from the environment than on the command line).",
)
@_push_options(api="Karla", base_url="up to /v1", sandbox_rate_limit="off")
def push_karla(
    *,
    resource: str,
    file: str,
    shop_slug: str | None,
    username: str | None,
    api_key: str | None,
    sandbox: bool,
    sandbox_rate_limit: RateLimit | None,
    verbose: int,
    **common: Any,
) -> None:
    """Push FILE (JSONL or CSV; - for stdin) of RESOURCE records into a Karla shop.

    orders are upserted (PUT /orders, retried freely); campaigns, discounts and announcements
    are created: a 409 on a first try is a conflict (dead-lettered), a create retried after a
    lost answer that meets the 409 already existed (done).
    """
    if sandbox:
        from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP  # noqa: PLC0415

        api_key = api_key or DEFAULT_API_KEY
        shop_slug = shop_slug or DEFAULT_SHOP
    if not shop_slug:
        msg = "give the shop with --shop SLUG"
        raise click.UsageError(msg)
    if not api_key:
        msg = "no API key: set KARLA_API_KEY (or pass --api-key), or use --sandbox"
        raise click.UsageError(msg)
    _push_job(
        "karla",
        resource,
        file,
        scope=shop_slug,
        api_key=api_key,
        username=username,
        sandbox=sandbox,
        sandbox_rate_limit=sandbox_rate_limit,
        verbose=verbose,
        **common,
    )


def _push_job(
    api: str,
    resource: str,
    file: str,
    *,
    verbose: int,
    format_: InputFormat | None,
    dead_letter: Path | None,
    **options: Any,
) -> None:
    from shopbridge.cli._push import PushJob, default_dead_letter, quiet_logs  # noqa: PLC0415

    job = PushJob(
        api=api,
        resource=resource,
        file=file,
        format=format_,
        dead_letter=dead_letter or default_dead_letter(file),
        **options,
    )
    with quiet_logs(verbose):
        status = _run_job(job.run(_console()))
    sys.exit(status)


def _console() -> Console:
    from rich.console import Console  # noqa: PLC0415 - keep --help quick

    return Console()


def _run_job(job: Coroutine[Any, Any, int]) -> int:
    """Run a push; a mistake of the user's is a usage error (exit 2), never a traceback."""
    from shopbridge.core._errors import ConfigurationError  # noqa: PLC0415
    from shopbridge.core.bulk._files import CheckpointError  # noqa: PLC0415 - keep --help quick
    from shopbridge.core.bulk._sources import InputError  # noqa: PLC0415

    try:
        return asyncio.run(job)
    except (ConfigurationError, InputError, CheckpointError) as exc:
        raise click.UsageError(str(exc)) from None


@main.group()
def sandbox() -> None:
    """Run an API sandbox: an in-memory fake of the API on this machine."""


def _serving_options(
    *, rate_limit: str, scope: str, fault_example: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every ``sandbox`` command takes: where to listen, the limiter, the faults.

    Args:
        rate_limit: the ``--rate-limit`` default (``60/60``, or ``off``).
        scope: what the limit is counted per, for the help (``store``, ``shop``).
        fault_example: a ``--faults`` spec for the help.
    """
    options = (
        click.option(
            "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
        ),
        click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=0,
            show_default=True,
            help="Port to listen on; 0 picks a free one.",
        ),
        click.option(
            "--rate-limit",
            default=rate_limit,
            callback=_rate_limit_option,
            metavar="LIMIT/SECONDS",
            show_default=True,
            help=f"Requests per window per {scope}, as LIMIT/SECONDS, or 'off'.",
        ),
        click.option(
            "--faults",
            default="none",
            callback=_faults_option,
            metavar="SPEC",
            show_default=True,
            help=f"Faults to inject, e.g. '{fault_example}'.",
        ),
        click.option(
            "--seed", type=int, default=0, show_default=True, help="Seed of the fault generator."
        ),
    )

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@sandbox.command("kanal")
@_serving_options(
    rate_limit="60/60",
    scope="store",
    fault_example=(
        "503=0.1,500=0.02,drop_before=0.02,drop_after=0.02,slow=0.05:0.3,malformed=0.5,"
        "throttle=0.01:1"
    ),
)
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


@sandbox.command("karla")
@_serving_options(
    rate_limit="off",
    scope="shop",
    fault_example="500=0.05,502=0.05,503=0.05,drop_after=0.02,slow=0.05:0.3,throttle=0.01:1",
)
@click.option(
    "--deliver-webhooks/--no-deliver-webhooks",
    default=False,
    show_default=True,
    help=(
        "POST each event to the shop's webhook subscriptions, signed with Karla-Signature "
        "(loopback URLs only)."
    ),
)
@click.option(
    "--wrap-responses/--bare-responses",
    default=False,
    show_default=True,
    help="Answer successes as {data, metadata} instead of the bare resource.",
)
@click.option(
    "--validation-errors",
    type=click.Choice(["fastapi", "envelope"]),
    default="fastapi",
    show_default=True,
    help="Schema failures as FastAPI's {detail: [...]} or in Karla's error envelope.",
)
def sandbox_karla(
    *,
    host: str,
    port: int,
    rate_limit: RateLimit | None,
    faults: Faults,
    seed: int,
    deliver_webhooks: bool,
    wrap_responses: bool,
    validation_errors: str,
) -> None:
    """Serve the Karla sandbox until Ctrl-C (or SIGTERM).

    The first line printed is the base URL to give the client, e.g.
    http://127.0.0.1:8080/v1. Log in with HTTP Basic sandbox-shop:sandbox-key. Records,
    counters, faults, events and webhook deliveries are readable under /_sandbox/ on the same
    host and port.
    """
    from shopbridge.karla.sandbox import KarlaSandbox  # noqa: PLC0415 - keep --help quick

    server = KarlaSandbox(
        host=host,
        port=port,
        rate_limit=rate_limit,
        faults=faults,
        seed=seed,
        deliver_webhooks=deliver_webhooks,
        wrap_responses=wrap_responses,
        validation_errors="envelope" if validation_errors == "envelope" else "fastapi",
    )
    _serve(server, "Karla", port_given=port)


def _serve(server: SandboxServer, api: str, *, port_given: int) -> None:
    from shopbridge._sandbox.runner import serve_until_signalled  # noqa: PLC0415 - as above
    from shopbridge.core._transport import is_loopback  # noqa: PLC0415

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
