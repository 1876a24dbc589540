"""A push stopped by Ctrl-C or SIGTERM: the partial account, and the command that resumes it.

Without ``--checkpoint`` a push keeps one anyway, `default_checkpoint`, beside the dead letter,
so that an interrupted run can always be resumed; it is removed when the run ends by itself
(the dead letter is then what is left to do), and kept when the run was interrupted or stopped
at a credentials failure. On Ctrl-C the runner settles nothing more, saves the checkpoint and
closes the dead letter; the command prints what it had settled, ``checkpoint saved at N;
resume with: <the command>`` and exits 130 (SIGTERM: 143), as shells expect of an interrupt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shlex
import signal
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shopbridge.core.bulk._files import CheckpointState

if TYPE_CHECKING:
    from collections.abc import Coroutine, Sequence
    from pathlib import Path

    from rich.console import Console

    from shopbridge.core.bulk._report import BulkProgress

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "default_checkpoint",
    "resume_command",
    "run_interruptible",
    "show_interrupted",
]

EXIT_INTERRUPTED = 130
"""The exit status after Ctrl-C (128 + SIGINT), as a shell reports it."""

EXIT_TERMINATED = 143
"""The exit status after SIGTERM (128 + SIGTERM): a job runner stopping the push."""

_SECRET_OPTIONS = frozenset({"--api-key"})
"""Options whose value must not be echoed: the resume command takes the key from the env."""

_URL_OPTIONS = frozenset({"--pacing"})
"""Options whose value is a URL that may hold a password: not echoed when it does (the resume
command then takes it from ``SHOPBRIDGE_PACING``)."""


def url_password(url: str | None) -> str | None:
    """The password in `url` (a ``--pacing`` Redis URL), a secret like the API key."""
    return urlsplit(url).password if url else None


def _hidden(name: str, value: str) -> bool:
    """Whether option `name` with `value` must not be echoed."""
    return name in _SECRET_OPTIONS or (name in _URL_OPTIONS and url_password(value) is not None)


def default_checkpoint(dead_letter: Path) -> Path:
    """The checkpoint kept beside `dead_letter` when ``--checkpoint`` is not given.

    ``orders.dead-letter.jsonl`` gives ``orders.checkpoint.json``.
    """
    name = dead_letter.name
    stem = name.removesuffix(".dead-letter.jsonl")
    if stem == name:
        stem = dead_letter.stem
    return dead_letter.with_name(f"{stem}.checkpoint.json")


def resume_command(argv: Sequence[str], checkpoint: Path, *, prog: str = "shopbridge") -> str:
    """The command line that resumes the push run as `argv`, from `checkpoint`.

    The arguments as given, with ``--checkpoint`` added when it was not, and ``--api-key``
    dropped: the key is never echoed (set ``KANAL_API_KEY`` / ``KARLA_API_KEY`` instead). So is
    a ``--pacing`` URL with a password (set ``SHOPBRIDGE_PACING`` instead).
    """
    args: list[str] = []
    skip = False
    has_checkpoint = False
    items = list(argv)
    for index, arg in enumerate(items):
        if skip:
            skip = False
            continue
        name, equals, value = arg.partition("=")
        if not equals:  # the value, if any, is the next argument
            value = items[index + 1] if index + 1 < len(items) else ""
        if _hidden(name, value):
            skip = not equals
            continue
        has_checkpoint = has_checkpoint or name == "--checkpoint"
        args.append(arg)
    if not has_checkpoint:
        args += ["--checkpoint", str(checkpoint)]
    return shlex.join([prog, *args])


def _partial(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()) or (
        "none settled"
    )


def show_interrupted(
    console: Console,
    *,
    resource: str,
    checkpoint: Path,
    last: BulkProgress | None,
    as_json: bool,
    argv: Sequence[str] | None = None,
) -> None:
    """Print what an interrupted run settled, where its checkpoint is, and how to resume."""
    state = CheckpointState.load(checkpoint) if checkpoint.exists() else None
    position = state.position if state is not None else 0
    counts = dict(state.counts) if state is not None else {}
    command = resume_command(sys.argv[1:] if argv is None else argv, checkpoint)
    if as_json:
        data: dict[str, Any] = {
            "resource": resource,
            "interrupted": True,
            "checkpoint": str(checkpoint),
            "position": position,
            "counts": counts,
            "settled": last.settled if last is not None else position,
            "total": last.total if last is not None else None,
            "resume": command,
        }
        console.file.write(json.dumps(data) + "\n")
        return
    total = "?" if last is None or last.total is None else str(last.total)
    console.print(
        f"[bold yellow]{resource}: interrupted[/]; {position}/{total} settled for good "
        f"({_partial(counts)})",
        highlight=False,
    )
    console.print(
        f"checkpoint saved at {position}; resume with: {command}",
        markup=False,
        highlight=False,
        soft_wrap=True,  # a command cut over two lines could not be pasted back
    )


def run_interruptible(job: Coroutine[Any, Any, int]) -> int:
    """Run `job` on a new event loop; Ctrl-C and SIGTERM cancel it, so that it settles.

    Returns:
        The job's exit status, or `EXIT_INTERRUPTED` / `EXIT_TERMINATED` when it was stopped.
    """
    terminated = False

    async def main() -> int:
        nonlocal terminated
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()

        def terminate() -> None:
            nonlocal terminated
            terminated = True
            if task is not None:
                task.cancel()

        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows, not main thread
            loop.add_signal_handler(signal.SIGTERM, terminate)
        return await job

    try:
        # asyncio.run cancels the main task on the first Ctrl-C and raises KeyboardInterrupt
        # once it has finished: the runner's finally blocks (checkpoint, dead letter) ran.
        return asyncio.run(main())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except asyncio.CancelledError:
        if terminated:
            return EXIT_TERMINATED
        raise
