"""The installed version, from the package metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("shopbridge")
except PackageNotFoundError:  # pragma: no cover - running from a source tree never installed
    VERSION = "0+unknown"
