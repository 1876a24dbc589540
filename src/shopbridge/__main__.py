"""``python -m shopbridge``: the same command line as ``shopbridge``."""

from __future__ import annotations

from shopbridge.cli._commands import main

if __name__ == "__main__":
    main(prog_name="shopbridge")
