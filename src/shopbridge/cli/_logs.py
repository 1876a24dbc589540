"""Where the command line sends the library's log records: stderr, through a real handler.

The library itself only adds a `logging.NullHandler` to the ``shopbridge`` logger (a script
that caught the error is not handed Python's last-resort output); the CLI is an application, so
it installs a handler for the run: rich's on a terminal (its lines print above the progress bar
instead of tearing it), a plain timestamped one into a file or a pipe.

Verbosity: by default warnings and worse (a give-up, a record that could not be settled); ``-v``
adds every retry and wait (INFO); ``-vv`` every attempt (DEBUG). ``--quiet`` keeps errors only.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["PLAIN_FORMAT", "log_to_stderr"]

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""The plain handler's format: one line per record, as a job runner's log keeps it."""


def _level(verbosity: int, *, quiet: bool) -> int:
    if quiet:
        return logging.ERROR
    if verbosity <= 0:
        return logging.WARNING
    return logging.INFO if verbosity == 1 else logging.DEBUG


def _handler() -> logging.Handler:
    if sys.stderr.isatty():
        from rich.console import Console  # noqa: PLC0415 - only a terminal needs rich here
        from rich.logging import RichHandler  # noqa: PLC0415

        # Console(stderr=True) looks sys.stderr up at each write: while the bar is live, rich
        # has it print above the bar.
        return RichHandler(console=Console(stderr=True), show_path=False, markup=False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    return handler


@contextlib.contextmanager
def log_to_stderr(verbosity: int, *, quiet: bool = False) -> Iterator[logging.Handler]:
    """Send the ``shopbridge`` logger's records to stderr for the duration of the block.

    Args:
        verbosity: how many ``-v`` were given.
        quiet: ``--quiet``: errors only.

    Yields:
        The handler installed (removed, and the level restored, on exit).
    """
    logger = logging.getLogger("shopbridge")
    level = logger.level
    handler = _handler()
    logger.setLevel(_level(verbosity, quiet=quiet))
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
