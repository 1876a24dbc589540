"""``shopbridge`` imports its public names on first use (PEP 562), each the real object."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import shopbridge

_INIT = Path(shopbridge.__file__)


def _type_checking_imports() -> dict[str, str]:
    """What the ``if TYPE_CHECKING:`` block of shopbridge/__init__.py imports, and from where."""
    imports: dict[str, str] = {}
    for node in ast.parse(_INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    assert statement.module is not None
                    imports.update(
                        dict.fromkeys((a.name for a in statement.names), statement.module)
                    )
    return imports


def test_all_is_sorted_and_every_name_has_an_origin() -> None:
    assert shopbridge.__all__ == sorted(shopbridge.__all__, key=lambda n: (not n.isupper(), n))
    assert set(shopbridge._ORIGINS) == set(shopbridge.__all__)


def test_the_type_checkers_imports_are_the_lazy_ones() -> None:
    lazy = {name: module for name, (module, _) in shopbridge._ORIGINS.items()}
    assert _type_checking_imports() == {k: v for k, v in lazy.items() if k != "__version__"}


@pytest.mark.parametrize("name", shopbridge.__all__)
def test_each_public_name_is_the_object_where_it_is_defined(name: str) -> None:
    module, attribute = shopbridge._ORIGINS[name]
    assert getattr(shopbridge, name) is getattr(importlib.import_module(module), attribute)


def test_dir_lists_every_public_name_before_any_is_used() -> None:
    probe = "import json, shopbridge; print(json.dumps(dir(shopbridge)))"
    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    assert set(shopbridge.__all__) <= set(json.loads(result.stdout))


def test_importing_the_package_imports_no_client_nor_aiohttp() -> None:
    probe = "import json, sys, shopbridge; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    modules = json.loads(result.stdout)
    assert "aiohttp" not in modules
    assert not [m for m in modules if m.startswith("shopbridge.")]


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from shopbridge import *", namespace)  # noqa: S102 - a fixed statement
    assert set(shopbridge.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'shopbridge' has no attribute 'Kanall'"):
        _ = shopbridge.Kanall  # type: ignore[attr-defined]
