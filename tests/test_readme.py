"""The README's copies of the decision tables are the tables themselves."""

from __future__ import annotations

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
