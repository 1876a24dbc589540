"""The one import rule import-linter cannot see: who imports ``anyio.from_thread``.

import-linter (in the lint session) checks the other contracts, but it knows third-party
packages only by their top-level name (``anyio``), and ``anyio.to_thread`` is fine everywhere.
This reads every module's imports from its source, those under ``if TYPE_CHECKING:`` included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import shopbridge

SOURCE = Path(shopbridge.__file__).parent


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _importers_of(module: str) -> set[str]:
    return {
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    }


def test_only_the_blocking_facade_and_the_kit_thread_runner_import_anyio_from_thread() -> None:
    # The kit runs a fake server on a thread of its own: a server, not a client.
    assert _importers_of("anyio.from_thread") == {"core/_blocking.py", "_sandbox/thread.py"}


def test_the_reader_sees_type_only_imports() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import anyio.from_thread\n"
    )
    assert "anyio.from_thread" in _imported_modules(tree)
