"""``shopbridge sandbox kanal|karla``: serve an API's sandbox until Ctrl-C (or SIGTERM).

The first line printed is the bare base URL, so that ``URL=$(shopbridge sandbox kanal | head
-1)`` works; a closed stdout (``head`` has exited) silences the rest of the output, never the
sandbox. A port that is taken or a host that is not this machine's is a usage error (exit 2),
and a host that is not loopback is warned about, since the sandboxes' keys are documented.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from shopbridge.cli._options import faults_spec, rate_limit_spec, stacked

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge.cli._options import Api
    from shopbridge.kanal.sandbox import Faults, KanalSandbox, RateLimit
    from shopbridge.karla.sandbox import KarlaSandbox

__all__ = ["sandbox"]


@click.group()
def sandbox() -> None:
    """Run an API sandbox: an in-memory fake of the API on this machine."""


def _serving_options(
    *, api: Api, rate_limit: str, scope: str, fault_example: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every ``sandbox`` command takes: where to listen, the limiter, the faults.

    Args:
        api: whose sandbox reads the ``--rate-limit`` and ``--faults`` specs.
        rate_limit: the ``--rate-limit`` default (``60/60``, or ``off``).
        scope: what the limit is counted per, for the help (``store``, ``shop``).
        fault_example: a ``--faults`` spec for the help.
    """
    return stacked(
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
            callback=rate_limit_spec(api),
            metavar="LIMIT/SECONDS",
            show_default=True,
            help=f"Requests per window per {scope}, as LIMIT/SECONDS, or 'off'.",
        ),
        click.option(
            "--faults",
            default="none",
            callback=faults_spec(api),
            metavar="SPEC",
            show_default=True,
            help=f"Faults to inject, e.g. '{fault_example}'.",
        ),
        click.option(
            "--seed", type=int, default=0, show_default=True, help="Seed of the fault generator."
        ),
    )


@sandbox.command("kanal")
@_serving_options(
    api="kanal",
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

    The first line printed is the base URL to give the client, alone on its line (e.g.
    http://127.0.0.1:8080/api/v1), so that `| head -1` reads it. Records, counters and
    faults are readable under /_sandbox/ on the same host and port.
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
    _serve(server, "kanal", port_given=port)


@sandbox.command("karla")
@_serving_options(
    api="karla",
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

    The first line printed is the base URL to give the client, alone on its line (e.g.
    http://127.0.0.1:8080/v1), so that `| head -1` reads it. Log in with HTTP Basic
    sandbox-shop:sandbox-key. Records, counters, faults, events and webhook deliveries are
    readable under /_sandbox/ on the same host and port.
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
    _serve(server, "karla", port_given=port)


def _serve(server: KanalSandbox | KarlaSandbox, api: Api, *, port_given: int) -> None:
    from shopbridge.core.sansio._urls import is_loopback  # noqa: PLC0415 - keep --help quick

    # Each sandbox re-exports the kit's one runner; take it from the API's own.
    if api == "kanal":
        from shopbridge.kanal.sandbox import serve_until_signalled  # noqa: PLC0415
    else:
        from shopbridge.karla.sandbox import serve_until_signalled  # noqa: PLC0415

    if not is_loopback(server.host):
        click.echo(
            f"warning: listening on {server.host}, not loopback: anyone who can reach this "
            "machine can use the sandbox's documented keys.",
            err=True,
        )

    def announce(_running: object) -> None:
        # The first line is the bare base URL, flushed at once: scripts and tests read it
        # from a pipe to learn the port.
        try:
            click.echo(server.base_url)
            sys.stdout.flush()
            click.echo(f"{api.title()} sandbox listening on {server.base_url}")
            for line in server.describe():
                click.echo(line)
            click.echo("Press Ctrl-C to stop.")
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()

    try:
        serve_until_signalled(server, on_started=announce)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = f"cannot listen on {server.host}:{port_given}: {reason}"
        raise click.BadParameter(msg, param_hint="'--host' / '--port'") from None


def _silence_stdout() -> None:
    """Send the rest of stdout to the null device: its reader has gone (``| head -1``).

    The sandbox keeps serving: whoever read the URL is about to use it. The descriptor itself
    is replaced, so that the flush at exit does not raise again.
    """
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    finally:
        os.close(null)
