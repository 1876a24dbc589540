"""Each sandbox package shows its public names only: what ``__all__`` lists, nothing else."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["shopbridge.kanal.sandbox", "shopbridge.karla.sandbox"])
def test_a_sandbox_package_exports_exactly_its_all(name: str) -> None:
    package = importlib.import_module(name)
    # pytest's assertion rewriting adds names like "@py_builtins", never identifiers.
    public = {
        attribute
        for attribute in vars(package)
        if attribute.isidentifier() and not attribute.startswith("_") and attribute != "annotations"
    }
    assert public == set(package.__all__)
    assert all(getattr(package, attribute) is not None for attribute in package.__all__)
