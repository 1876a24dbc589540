"""The package's version: the one place it is written (hatchling reads it from here).

A literal, not ``importlib.metadata.version()``: reading the installed metadata costs about
30 ms at import, on every start of every script.
"""

from __future__ import annotations

VERSION = "0.1.0.dev0"
