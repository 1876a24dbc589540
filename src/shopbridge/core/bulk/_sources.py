"""Where a bulk run's records come from: JSONL and CSV files (or stdin), iterables, async ones.

Every source yields `InputItem` values numbered from 0 in input order. A line that cannot be
read (not JSON, not an object, a CSV row with the wrong number of cells, bytes that are not
UTF-8) is still an item, with the `problem` said in words and its line number, so the runner
rejects it instead of crashing or dropping it. Files are read on a worker thread, a batch of
lines at a time: a slow pipe on stdin never blocks the event loop. A JSONL line is then decoded
on the loop, when the runner takes it: decoded on the thread, the batch would hold the GIL
against the loop for milliseconds at a time, stalling every request in flight. A CSV record
may span lines, so the csv reader (and the records it gives) stays on the thread.

CSV: the first row names the columns. Nested fields are dotted column names
(``customer.phone``); a numeric segment makes a list (``line_items.0.title``,
``line_items.1.title``); a cell that starts with ``[`` or ``{`` is read as JSON (``tags`` as
``["vip","new"]``); an empty cell leaves its field out. Every other cell is a string, which
the APIs' validation reads as their servers do (``"49.90"`` is numeric).

A dead-letter file is itself valid input: its rows are the records with their ``_dead_letter``
account beside them, which `strip_dead_letter` removes (and a row kept for a line that could not
be read carries that line, which is read again, so fixing it in place is enough).
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import AsyncIterable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import anyio.to_thread
from attrs import frozen

from shopbridge.core._errors import InputError
from shopbridge.core._exact_json import DuplicateKeyError, loads_exact
from shopbridge.core.bulk._records import record_of, rows_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = [
    "DEAD_LETTER_KEY",
    "InputError",
    "InputFormat",
    "InputItem",
    "check_readable",
    "count_records",
    "items_from",
    "strip_dead_letter",
]

DEAD_LETTER_KEY = "_dead_letter"
"""The key of a dead-letter row that holds the account of what happened to its record."""

InputFormat = Literal["jsonl", "csv"]

_SUFFIXES: dict[str, InputFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
}
_BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark some editors put at the start of a file."""
_BATCH_BYTES = 256 * 1024
"""How much a worker-thread read takes at once."""


@frozen(kw_only=True)
class InputItem:
    """One record of the input, or one line that could not be read as a record.

    Attributes:
        position: its index in the input, from 0.
        line: its line number in the file (from 1), for files.
        record: the record (a mapping, or whatever the iterable gave), or ``None`` with a
            `problem`.
        problem: why the line could not be read as a record.
        raw: the line's bytes, for files (the checkpoint's fingerprint, and the dead letter of
            an unreadable line).
    """

    position: int
    line: int | None = None
    record: Any = None
    problem: str | None = None
    raw: bytes | None = None
    missing: tuple[str, ...] = ()
    """The row's fields read as missing (NaN, NaT, None), in words, for its messages."""


def strip_dead_letter(record: Any) -> tuple[Any, str | None]:
    """A dead-letter row back into its record (anything else is returned unchanged).

    Returns:
        The record, and the problem if the row kept a line that still cannot be read.
    """
    if not isinstance(record, dict) or DEAD_LETTER_KEY not in record:
        return record, None
    account = record[DEAD_LETTER_KEY]
    record = {key: value for key, value in record.items() if key != DEAD_LETTER_KEY}
    raw = account.get("raw") if isinstance(account, dict) else None
    if record or not isinstance(raw, str):
        return record, None
    # The row of a line that could not be read: read the line again (it may have been fixed).
    parsed, problem = _parse_json_line(raw.encode(), account.get("line"))
    return parsed, problem


def _parse_json_line(raw: bytes, line: object) -> tuple[Any, str | None]:
    where = f"line {line}" if isinstance(line, int) else "the line"
    try:
        value = loads_exact(raw)
    except DuplicateKeyError as exc:
        # orjson would keep the last value: the first one would be lost without a word.
        return None, f"{where} names the key {exc.key!r} twice in one object: keep one of them"
    except ValueError as exc:  # orjson.JSONDecodeError is one
        return None, f"{where} is not valid JSON ({exc}): fix or remove it"
    if not isinstance(value, dict):
        kind = type(value).__name__
        return None, f"{where} is a JSON {kind}, not an object: give one record per line"
    return value, None


def input_format(path: str | os.PathLike[str], given: InputFormat | None) -> InputFormat:
    """The format of `path`: `given`, or read from the file's suffix.

    Raises:
        InputError: neither says it.
    """
    if given is not None:
        return given
    if str(path) == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    found = _SUFFIXES.get(suffix)
    if found is None:
        msg = (
            f"cannot tell the format of {str(path)!r} from its suffix {suffix or '(none)'}: "
            "name it .jsonl or .csv, or give the format (jsonl or csv)"
        )
        raise InputError(msg)
    return found


def check_readable(path: str | os.PathLike[str], format: InputFormat | None) -> None:
    """Fail early, before a run starts, on a path that cannot be read or a format not known.

    Raises:
        InputError: it cannot be read, or its format cannot be told.
    """
    input_format(path, format)
    if str(path) != "-":
        _open(path).close()


def _open(path: str | os.PathLike[str]) -> IO[bytes]:
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return Path(path).open("rb")  # closed by the generator that reads it
    except OSError as exc:
        msg = f"cannot read {str(path)!r}: {exc.strerror or exc}"
        raise InputError(msg) from None


def count_records(path: str | os.PathLike[str], format: InputFormat | None = None) -> int | None:
    """How many records a file holds (``None`` for stdin), for progress; reads it once.

    Raises:
        InputError: the file cannot be opened.
    """
    if str(path) == "-":
        return None
    kind = input_format(path, format)
    with _open(path) as file:
        if kind == "jsonl":
            return sum(1 for line in file if line.strip())
        text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="replace", newline="")
        try:
            return max(sum(1 for _ in csv.reader(text)) - 1, 0)
        except csv.Error:
            return None  # the run reports the row that cannot be read; progress goes without


async def items_from(
    records: str | os.PathLike[str] | Iterable[Any] | AsyncIterable[Any],
    *,
    format: InputFormat | None = None,
) -> AsyncIterator[InputItem]:
    """Number the records of any source: a path (``-`` for stdin), an iterable, an async one.

    Raises:
        InputError: the file cannot be opened, or its CSV header cannot be right.
    """
    if isinstance(records, str | os.PathLike):
        kind = input_format(records, format)
        file = _open(records)
        try:
            if kind == "jsonl":
                jsonl = _JsonlLines()
                while lines := await anyio.to_thread.run_sync(file.readlines, _BATCH_BYTES):
                    for item in jsonl.items(lines):
                        yield item
            else:
                async for item in _batched_in_thread(_csv_items(file)):
                    yield item
        finally:
            if file is not sys.stdin.buffer:
                file.close()
        return
    rows: Any = rows_of(records)  # a DataFrame's rows, not its column names
    position = 0
    if isinstance(rows, AsyncIterable):
        async for record in rows:
            yield _item(position, record)
            position += 1
        return
    for record in rows:
        yield _item(position, record)
        position += 1


def _item(position: int, record: Any) -> InputItem:
    record, problem = strip_dead_letter(record)
    record, missing = record_of(record)
    return InputItem(position=position, record=record, problem=problem, missing=missing)


async def _batched_in_thread(items: Iterator[InputItem]) -> AsyncIterator[InputItem]:
    # One thread hop per batch, not per line: reading is a worker thread's job.
    def take() -> list[InputItem]:
        batch: list[InputItem] = []
        size = 0
        for item in items:
            batch.append(item)
            size += len(item.raw or b"") + 1
            if size >= _BATCH_BYTES:
                break
        return batch

    while batch := await anyio.to_thread.run_sync(take):
        for item in batch:
            yield item


class _JsonlLines:
    """The records of a JSONL file's lines, given a batch at a time; numbered across batches."""

    def __init__(self) -> None:
        self._number = 0
        self._position = 0

    def items(self, lines: list[bytes]) -> Iterator[InputItem]:
        """The records of `lines`, the file's next ones, each decoded as it is taken."""
        for raw_line in lines:
            self._number += 1
            number = self._number
            raw = raw_line.strip()
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :].strip()  # as for CSV: an editor's mark, not a record's byte
            if not raw:
                continue  # a blank line holds no record
            record, problem = _parse_json_line(raw, number)
            if problem is None:
                record, problem = strip_dead_letter(record)
            position = self._position
            self._position = position + 1
            yield InputItem(position=position, line=number, record=record, problem=problem, raw=raw)


class _Lines:
    """A file's lines, decoded one by one for the csv reader; remembers lines that are not UTF-8."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.number = 0
        self.undecodable: dict[int, str] = {}
        self.raw: list[bytes] = []

    def __iter__(self) -> Iterator[str]:
        for line in self._file:
            self.number += 1
            raw = line[3:] if self.number == 1 and line.startswith(b"\xef\xbb\xbf") else line
            self.raw.append(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.undecodable[self.number] = f"byte {exc.start + 1} is not UTF-8"
                yield "\n"


def _csv_items(file: IO[bytes]) -> Iterator[InputItem]:
    lines = _Lines(file)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        msg = f"the CSV header (line 1) cannot be read: {exc}"
        raise InputError(msg) from None
    columns = _columns(header)
    position = 0
    while True:
        start = lines.number + 1
        lines.raw.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = None
            problem: str | None = f"line {start}: the CSV row cannot be read ({exc})"
        else:
            problem = None
        raw = b"".join(lines.raw).rstrip(b"\r\n")
        bad = [number for number in lines.undecodable if number >= start]
        record: Any = None
        if bad:
            problem = f"line {bad[0]}: {lines.undecodable[bad[0]]}; save the file as UTF-8"
            lines.undecodable.clear()
        elif row is not None:
            if not any(cell.strip() for cell in row):
                continue  # an empty line holds no record
            record, problem = _csv_record(columns, row, start)
        yield InputItem(position=position, line=start, record=record, problem=problem, raw=raw)
        position += 1


def _columns(header: list[str]) -> list[tuple[str, ...]]:
    columns = [tuple(name.strip().split(".")) for name in header]
    seen: set[tuple[str, ...]] = set()
    for path in columns:
        if not all(path):
            msg = f"the CSV header has an empty column name or segment in {'.'.join(path)!r}"
            raise InputError(msg)
        if path in seen:
            msg = f"the CSV header names the column {'.'.join(path)!r} twice"
            raise InputError(msg)
        seen.add(path)
    for path in columns:
        for cut in range(1, len(path)):
            if path[:cut] in seen:
                msg = (
                    f"the CSV header has both {'.'.join(path[:cut])!r} and "
                    f"{'.'.join(path)!r}: give a nested field either as one JSON cell or as "
                    "dotted columns"
                )
                raise InputError(msg)
    return columns


def _csv_record(
    columns: list[tuple[str, ...]], row: list[str], line: int
) -> tuple[dict[str, Any] | None, str | None]:
    if len(row) != len(columns):
        return None, (
            f"line {line}: the row has {len(row)} cells but the header names {len(columns)} columns"
        )
    record: dict[str, Any] = {}
    for path, cell in zip(columns, row, strict=True):
        if cell == "":
            continue
        value: Any = cell
        if cell[:1] in ("[", "{"):
            name = ".".join(path)
            try:
                value = loads_exact(cell)
            except DuplicateKeyError as exc:
                return None, f"line {line}: column {name!r} names the key {exc.key!r} twice"
            except ValueError:  # orjson.JSONDecodeError is one
                return None, f"line {line}: column {name!r} starts like JSON but is not valid JSON"
        node = record
        for segment in path[:-1]:
            node = node.setdefault(segment, {})
        node[path[-1]] = value
    try:
        return _listify(record), None
    except ValueError as exc:
        return None, f"line {line}: {exc}"


def _listify(node: dict[str, Any]) -> dict[str, Any]:
    """Turn the dicts keyed ``"0"``, ``"1"``... of numeric column segments into lists."""
    result: dict[str, Any] = {}
    for key, value in node.items():
        result[key] = _as_list_or_dict(key, value) if isinstance(value, dict) else value
    return result


def _as_list_or_dict(name: str, node: dict[str, Any]) -> Any:
    converted = _listify(node)
    if not converted or not all(key.isdigit() for key in converted):
        return converted
    indexes = sorted(int(key) for key in converted)
    if indexes != list(range(len(indexes))):
        msg = f"the columns of list {name!r} must be numbered 0, 1, 2... without gaps"
        raise ValueError(msg)
    return [converted[str(index)] for index in indexes]
