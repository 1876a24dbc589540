"""Reading a bulk run's input: JSONL, CSV (dotted columns), iterables, dead-letter rows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._bodies import encode_json
from shopbridge.core.bulk._sources import (
    InputError,
    InputItem,
    count_records,
    items_from,
    strip_dead_letter,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

pytestmark = pytest.mark.anyio


async def read(source: Any, **options: Any) -> list[InputItem]:
    return [item async for item in items_from(source, **options)]


async def test_jsonl_lines_are_numbered_and_blank_lines_hold_no_record(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text('{"external_id": "A"}\n\n   \n{"external_id": "B"}\n')
    items = await read(path)
    assert [(item.position, item.line, item.record) for item in items] == [
        (0, 1, {"external_id": "A"}),
        (1, 4, {"external_id": "B"}),
    ]
    assert count_records(path) == 2


async def test_broken_jsonl_lines_are_items_with_their_problem_and_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"external_id": "A"}\nnot json\n[1, 2]\n{"external_id": \xff}\n{"a": 1}\n')
    items = await read(path)
    assert [item.line for item in items] == [1, 2, 3, 4, 5]
    assert items[0].problem is None
    assert items[1].record is None
    assert items[1].problem is not None
    assert items[1].problem.startswith("line 2 is not valid JSON")
    assert items[2].problem == "line 3 is a JSON list, not an object: give one record per line"
    assert items[3].problem is not None
    assert "line 4" in items[3].problem
    assert items[4].record == {"a": 1}
    assert items[1].raw == b"not json"


async def test_csv_dotted_columns_nest_and_numbered_segments_make_lists(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "external_id,customer.phone,customer.first_name,tags,line_items.0.title,"
        "line_items.1.title,total_price\n"
        'ORDER-1,+33612345678,Marie,"[""vip""]",T-shirt,Sweat,49.90\n'
        "ORDER-2,+33612345679,,,,,10\n",
        encoding="utf-8",
    )
    items = await read(path)
    assert items[0].record == {
        "external_id": "ORDER-1",
        "customer": {"phone": "+33612345678", "first_name": "Marie"},
        "tags": ["vip"],
        "line_items": [{"title": "T-shirt"}, {"title": "Sweat"}],
        "total_price": "49.90",
    }
    # An empty cell leaves its field out.
    assert items[1].record == {
        "external_id": "ORDER-2",
        "customer": {"phone": "+33612345679"},
        "total_price": "10",
    }
    assert (items[0].line, items[1].line) == (2, 3)
    assert count_records(path) == 2


async def test_csv_rows_that_cannot_be_read_keep_their_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(
        b'external_id,total_price,tags\nA,1,\nB,2\nC,3,"[broken"\n"D\nmultiline",4,\nE,\xff,\nF,6,\n'
    )
    items = await read(path)
    by_line = {item.line: item for item in items}
    assert by_line[2].record == {"external_id": "A", "total_price": "1"}
    assert by_line[3].problem == "line 3: the row has 2 cells but the header names 3 columns"
    assert by_line[4].problem == "line 4: column 'tags' starts like JSON but is not valid JSON"
    assert by_line[5].record == {"external_id": "D\nmultiline", "total_price": "4"}
    assert by_line[7].problem is not None
    assert "line 7" in by_line[7].problem
    assert "UTF-8" in by_line[7].problem
    assert by_line[8].record == {"external_id": "F", "total_price": "6"}
    assert [item.position for item in items] == list(range(len(items)))


async def test_a_csv_field_over_the_size_limit_is_a_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("a,b\n1," + "x" * 200_000 + "\n2,3\n")
    assert count_records(path) is None  # no total for progress; the run still reads it
    items = await read(path)
    assert items[0].problem is not None
    assert items[0].problem.startswith("line 2: the CSV row cannot be read")
    assert items[-1].record == {"a": "2", "b": "3"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("a,a\n", "twice"),
        ("customer,customer.phone\n", "either as one JSON cell or as dotted columns"),
        ("a,,b\n", "empty column name"),
    ],
)
async def test_a_csv_header_that_cannot_be_right_is_an_input_error(
    tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(header + "1,2,3\n")
    with pytest.raises(InputError, match=message):
        await read(path)


async def test_list_columns_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("line_items.0.title,line_items.2.title\nA,B\n")
    (item,) = await read(path)
    assert item.problem == (
        "line 2: the columns of list 'line_items' must be numbered 0, 1, 2... without gaps"
    )


async def test_unknown_suffix_and_missing_file_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot tell the format"):
        await read(tmp_path / "orders.txt")
    with pytest.raises(InputError, match="cannot read"):
        await read(tmp_path / "missing.jsonl")
    (tmp_path / "orders.txt").write_text("a\n1\n")
    assert [item.record async for item in items_from(tmp_path / "orders.txt", format="csv")] == [
        {"a": "1"}
    ]


async def test_iterables_and_async_iterables_are_numbered_in_order() -> None:
    async def records() -> AsyncIterator[dict[str, int]]:
        for number in range(3):
            yield {"n": number}

    assert [(item.position, item.record) for item in await read(records())] == [
        (0, {"n": 0}),
        (1, {"n": 1}),
        (2, {"n": 2}),
    ]
    assert [item.record for item in await read([{"n": 5}, "CUST-1"])] == [{"n": 5}, "CUST-1"]


def test_a_dead_letter_row_reads_back_as_its_record() -> None:
    row = {"external_id": "A", "_dead_letter": {"outcome": "rejected", "line": 3}}
    assert strip_dead_letter(row) == ({"external_id": "A"}, None)
    fixed = {"_dead_letter": {"line": 3, "raw": json.dumps({"external_id": "B"})}}
    assert strip_dead_letter(fixed) == ({"external_id": "B"}, None)
    still_broken = {"_dead_letter": {"line": 3, "raw": "not json"}}
    record, problem = strip_dead_letter(still_broken)
    assert record is None
    assert problem is not None
    assert problem.startswith("line 3 is not valid JSON")


# Unclear input made clear, and numbers kept exact (issue 13)


async def test_a_jsonl_file_that_starts_with_a_bom_reads_its_first_record(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"external_id": "A"}\n{"external_id": "B"}\n')
    items = await read(path)
    assert [(item.problem, item.record) for item in items] == [
        (None, {"external_id": "A"}),
        (None, {"external_id": "B"}),
    ]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (b'{"external_id": "A", "total_price": "1", "total_price": "2"}', "total_price"),
        (b'{"external_id": "A", "customer": {"phone": "1" , "phone" : "2"}}', "phone"),
        (b'{"a": [{"k": 1, "k": 1}]}', "k"),
    ],
)
async def test_a_jsonl_object_with_a_duplicate_key_is_rejected_with_line_and_key(
    tmp_path: Path, line: bytes, key: str
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"external_id": "OK", "note": "a \\":\\" b"}\n' + line + b"\n")
    first, second = await read(path)
    assert first.problem is None
    assert first.record == {"external_id": "OK", "note": 'a ":" b'}
    assert second.record is None
    assert second.problem is not None
    assert "line 2" in second.problem
    assert repr(key) in second.problem


async def test_jsonl_numbers_that_a_float_cannot_hold_keep_their_exact_digits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(
        b'{"big": 18446744073709551617, "negative": -9223372036854775809, '
        b'"precise": 12345678901234567.89, "tiny": 1e-400, "plain": 49.90, "count": 3}\n'
        b'{"plain": 49.90, "count": 3}\n'
        b'{"max": 18446744073709551615, "min": -9223372036854775808}\n'
    )
    exact, plain, limits = await read(path)
    assert exact.problem is None
    assert exact.record == {
        "big": Decimal("18446744073709551617"),
        "negative": Decimal("-9223372036854775809"),
        "precise": Decimal("12345678901234567.89"),
        "tiny": Decimal("1e-400"),
        "plain": Decimal("49.90"),
        "count": 3,
    }
    assert type(exact.record["count"]) is int
    # A line every number of which a float holds stays on the fast path, floats and all.
    assert plain.record == {"plain": 49.9, "count": 3}
    # What orjson holds exactly (64 bits, signed or not) stays an int.
    assert limits.record == {"max": 2**64 - 1, "min": -(2**63)}
    assert {type(value) for value in limits.record.values()} == {int}
    assert encode_json(exact.record) == (
        b'{"big":18446744073709551617,"negative":-9223372036854775809,'
        b'"precise":12345678901234567.89,"tiny":1E-400,"plain":49.90,"count":3}'
    )
