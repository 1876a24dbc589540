"""``shopbridge --help`` imports no client, sandbox, aiohttp, asyncio or rich: the CLI starts quick.

Each check runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = frozenset({"aiohttp", "anyio", "asyncio", "cattrs", "rich"})
"""Packages that parsing the command line must not import."""


def _heavy(module: str) -> bool:
    if module.split(".", maxsplit=1)[0] in HEAVY:
        return True
    # The package itself is imported (PEP 562 keeps it light); of its modules, only the CLI.
    return module.startswith("shopbridge.") and not module.startswith("shopbridge.cli")


_PROBE = """
import json, sys
from shopbridge.cli._commands import main
try:
    main(sys.argv[1:], prog_name="shopbridge")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _imported_after(args: list[str]) -> list[str]:
    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    modules: list[str] = json.loads(result.stdout.splitlines()[-1])
    return modules


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["push", "--help"],
        ["push", "kanal", "--help"],
        ["push", "karla", "--help"],
        ["sandbox", "kanal", "--help"],
        ["sandbox", "karla", "--help"],
        ["table", "--help"],
    ],
)
def test_help_imports_no_client_sandbox_aiohttp_asyncio_or_rich(args: list[str]) -> None:
    heavy = [module for module in _imported_after(args) if _heavy(module)]
    assert heavy == []


def test_the_probe_sees_what_a_command_imports() -> None:
    # The check above is worth something only if the probe does see imports.
    modules = _imported_after(["table", "kanal"])
    assert _heavy("shopbridge.kanal")
    assert "shopbridge.kanal" in modules
    assert "aiohttp" in modules
