"""The README's copies of the decision tables are the tables themselves; its code compiles.

Every ``python`` block compiles as a script, as a reader who pastes it into a file would run
it, unless its first line says that it is for a coroutine, a notebook cell or ``python -m
asyncio`` (`ASYNC_FRAGMENT`): those are compiled with top-level ``await`` allowed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from shopbridge import KANAL_TABLE, KARLA_TABLE, DecisionTable
from shopbridge.kanal import KANAL_MESSAGING_TABLE

README = Path(__file__).parents[1] / "README.md"


def _block(api: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- BEGIN shopbridge table {api} -->\n(.*?)<!-- END shopbridge table {api} -->",
        text,
        flags=re.DOTALL,
    )
    assert match is not None, f"README has no generated table for {api}"
    return match.group(1)


TABLES = (
    ("kanal", KANAL_TABLE),
    ("kanal-messaging", KANAL_MESSAGING_TABLE),
    ("karla", KARLA_TABLE),
)


@pytest.mark.parametrize(("api", "table"), TABLES)
def test_readme_table_is_the_decision_table(api: str, table: DecisionTable) -> None:
    """Regenerate with: python tests/test_readme.py"""
    assert _block(api) == table.to_markdown()


def _python_blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1))
        for match in re.finditer(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    ]


BLOCKS = _python_blocks()


def test_the_readme_has_python_blocks() -> None:
    assert len(BLOCKS) > 10


ASYNC_FRAGMENT = "# In a coroutine, a notebook cell or python -m asyncio (top-level await):\n"
"""The first line of a block that is not a script: top-level ``await`` is allowed there."""


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"line-{line}" for line, _ in BLOCKS])
def test_readme_python_block_compiles(line: int, code: str) -> None:
    filename = f"README.md:{line}"
    if code.startswith(ASYNC_FRAGMENT):
        compile(code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    else:
        # A script, as python runs it: a top-level `async with` is a SyntaxError here.
        compile(code, filename, "exec", dont_inherit=True)


def _regenerate() -> None:
    text = README.read_text(encoding="utf-8")
    for api, table in TABLES:
        begin, end = (
            f"<!-- BEGIN shopbridge table {api} -->\n",
            f"<!-- END shopbridge table {api} -->",
        )
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + begin + table.to_markdown() + end + tail
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    _regenerate()
