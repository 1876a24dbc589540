"""Developer sessions: ``nox -s tests lint typecheck`` is what CI runs (see ``.ci/run``)."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (the sandboxes on loopback; nothing beyond 127.0.0.1)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and formatting), then the import contracts (pyproject's [tool.importlinter])."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and the benchmarks."""
    session.install("-e", ".[lint]")
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks; ``nox -s bench -- --write`` updates benchmarks/RESULTS.md."""
    session.install("-e", ".[redis]")  # pacing.py and scale.py pace through Redis too
    for script in ("overhead.py", "pacing.py", "memory.py", "scale.py"):
        session.run("python", f"benchmarks/{script}", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo on the embedded Kanal sandbox (the README's first command)."""
    session.install(".")
    session.run("shopbridge", "demo")
