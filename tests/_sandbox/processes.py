"""Reading a sandbox started as a process by the CLI tests (``shopbridge sandbox ...``)."""

from __future__ import annotations

import select
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess


def first_line(process: subprocess.Popen[str], seconds: float = 20.0) -> str:
    """The first line the process printed, waiting at most `seconds` for it."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, "the sandbox printed nothing"
    return process.stdout.readline()
