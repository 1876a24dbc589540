"""``shopbridge push kanal|karla``: the click options, checked; the job is `shopbridge.cli._push`.

Reads the options (the key from the environment rather than the command line, the sandbox's
documented accounts with ``--sandbox``), refuses what cannot work as a usage error (exit 2),
then runs the `PushJob` and exits with its status.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from shopbridge.cli._options import rate_limit_spec, stacked
from shopbridge.cli._resources import KANAL_MESSAGING_RESOURCES, KANAL_RESOURCES, KARLA_RESOURCES

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from shopbridge.cli._options import Api
    from shopbridge.core.bulk._sources import InputFormat
    from shopbridge.core.sansio._redaction import Redactor
    from shopbridge.kanal.sandbox import RateLimit

__all__ = ["push"]


class _StoreId(click.ParamType[int, Any]):
    """A store id; unlike click's integer, a wrong value is never echoed: it may be a key."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            self.fail(
                "must be the store's numeric id (the value given is not shown: it may be a key)",
                param,
                ctx,
            )


@click.group()
def push() -> None:
    """Push a file of records into an API at its rate limit, losing none.

    Exit status: 0 when every record is done, 1 when some are not (they are in the dead
    letter), 2 for a usage error, 3 when the dead letter or the checkpoint could not be
    written (a full disk): the run stopped, resumable once the space is freed; 130 after
    Ctrl-C and 143 after SIGTERM (the checkpoint is saved; the command that resumes the run is
    printed).

    Without --checkpoint, a run keeps one beside the dead letter (FILE.checkpoint.json),
    removed when the run ends by itself: an interrupted run can always be resumed.
    """


def _push_options(
    *, api: Api, base_url: str, sandbox_rate_limit: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every ``push`` command takes, whatever the API."""
    title = api.title()
    return stacked(
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
            help=(
                "Keep the run's resumable point here; run again with it to resume "
                "[default: FILE.checkpoint.json beside the dead letter, removed when the run "
                "ends by itself]."
            ),
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(["jsonl", "csv"]),
            default=None,
            help="The input's format [default: from FILE's suffix; jsonl for -].",
        ),
        click.option(
            "--sandbox", is_flag=True, help=f"Push into the embedded {title} sandbox instead."
        ),
        click.option(
            "--sandbox-rate-limit",
            default=sandbox_rate_limit,
            callback=rate_limit_spec(api),
            show_default=True,
            metavar="LIMIT/SECONDS",
            help="With --sandbox: its rate limit, or 'off'.",
        ),
        click.option(
            "--pacing",
            envvar="SHOPBRIDGE_PACING",
            default=None,
            metavar="URL",
            help="Share the store's rate-limit window with every process pushing into it: "
            "redis://HOST:PORT/DB (needs shopbridge[redis]) [default: this process alone].",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            help="Log every retry and wait to stderr (-vv: every attempt).",
        ),
        click.option(
            "-q", "--quiet", is_flag=True, help="No progress and no tables: only problems."
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print the report as one JSON object on stdout (progress goes to stderr).",
        ),
    )


@push.command("kanal")
@click.argument("resource", type=click.Choice(KANAL_RESOURCES))
@click.argument("file", type=str)
@click.option("--store", "store_id", type=_StoreId(), default=None, help="The store's numeric id.")
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
    help="The store's rate-limit window in seconds [default: learned, Kanal's minute assumed].",
)
@click.option(
    "--key-column",
    default=None,
    help="template-messages: the column holding each send's Idempotency-Key [default: derived "
    "from the record and its position].",
)
@click.option(
    "--key-salt",
    default="",
    help="template-messages: mixed into the derived keys, to send the same file again.",
)
@click.option(
    "--webhook",
    "webhook_id",
    default=None,
    help="automation-triggers: the automation of the records without a webhook_id column.",
)
@_push_options(api="kanal", base_url="up to /api/v1", sandbox_rate_limit="60/1")
def push_kanal(
    *,
    resource: str,
    file: str,
    store_id: int | None,
    api_key: str | None,
    rate_window: float | None,
    key_column: str | None,
    key_salt: str,
    webhook_id: str | None,
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
    method_options: dict[str, Any] = {}
    if key_column is not None or key_salt:
        if resource != "template-messages":
            msg = "--key-column and --key-salt go with template-messages only"
            raise click.UsageError(msg)
        method_options.update(key_column=key_column, key_salt=key_salt)
    if webhook_id is not None:
        if resource != "automation-triggers":
            msg = "--webhook goes with automation-triggers only"
            raise click.UsageError(msg)
        method_options["webhook_id"] = webhook_id
    _push_job(
        "kanal",
        resource,
        file,
        scope="" if store_id is None else str(store_id),
        api_key=api_key,
        rate_window=rate_window,
        method_options=method_options,
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
@_push_options(api="karla", base_url="up to /v1", sandbox_rate_limit="off")
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

    orders are upserted (PUT /orders, retried freely); products (catalogue variants) are
    upserted 100 to a request (POST /products); campaigns, discounts and announcements
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
    api: Api,
    resource: str,
    file: str,
    *,
    verbose: int,
    quiet: bool,
    as_json: bool,
    format_: InputFormat | None,
    dead_letter: Path | None,
    checkpoint: Path | None,
    **options: Any,
) -> None:
    # The job, rich and the clients are imported only now, once the options are read.
    from shopbridge.cli._console import stdout_console  # noqa: PLC0415
    from shopbridge.cli._interrupt import default_checkpoint, url_password  # noqa: PLC0415
    from shopbridge.cli._logs import log_to_stderr  # noqa: PLC0415
    from shopbridge.cli._push import PushJob, default_dead_letter  # noqa: PLC0415
    from shopbridge.core.sansio._redaction import Redactor  # noqa: PLC0415

    if quiet and as_json:
        msg = "--quiet and --json are exclusive: --json prints only the report anyway"
        raise click.UsageError(msg)
    dead_letter = dead_letter or default_dead_letter(file)
    job = PushJob(
        api=api,
        resource=resource,
        file=file,
        format=format_,
        dead_letter=dead_letter,
        checkpoint=checkpoint or default_checkpoint(dead_letter),
        own_checkpoint=checkpoint is None,
        output="json" if as_json else "quiet" if quiet else "auto",
        **options,
    )
    # A Redis password in --pacing is a secret too: hidden wherever an error might show it.
    password = url_password(job.pacing)
    secrets = [job.api_key] if password is None else [job.api_key, password]
    redactor = Redactor(secrets, user=job.username or job.scope)
    with log_to_stderr(verbose, quiet=quiet):
        status = _run_job(job.run(stdout_console()), redactor)
    sys.exit(status)


def _run_job(job: Coroutine[Any, Any, int], redactor: Redactor) -> int:
    """Run a push; a mistake of the user's is a usage error (exit 2), never a traceback."""
    from shopbridge import CheckpointError, ConfigurationError, InputError  # noqa: PLC0415
    from shopbridge.cli._interrupt import run_interruptible  # noqa: PLC0415

    try:
        return run_interruptible(job)
    except (ConfigurationError, InputError, CheckpointError) as exc:
        # A message may quote an argument, and an argument may be the key given by mistake.
        raise click.UsageError(redactor.text(str(exc))) from None
