"""The command line (click): ``shopbridge push``, ``sandbox``, ``demo``, ``quickstart``."""

from __future__ import annotations

from shopbridge.cli._commands import main

__all__ = ["main"]
