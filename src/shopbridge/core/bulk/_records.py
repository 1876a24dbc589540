"""Records from the data tools an ETL job holds: DataFrames, database rows, numpy values.

Duck-typed, never imported: shopbridge depends on none of these libraries.

* `rows_of` turns a table into an iterable of mappings, one per row: a polars DataFrame
  (``iter_rows(named=True)``), a pandas one (``itertuples``), an Arrow table or anything that
  has ``to_arrow`` (``to_batches`` then ``to_pylist``), or ``to_dicts`` / ``to_dict("records")``;
  then anything exposing only the Arrow C stream interface (``__arrow_c_stream__``: read with
  pyarrow) or only the DataFrame interchange protocol (``__dataframe__``: read with pandas),
  each a clear `TypeError` when the library that reads it is not installed.
  What is not a stream of records at all (an int, bytes, one mapping) is a `TypeError` that says
  what to pass.
* `record_of` turns one row into a record: a ``sqlite3.Row`` into a dict, dotted keys nested
  (``{"customer.phone": ...}`` is ``{"customer": {"phone": ...}}``, as CSV columns are), numpy
  scalars into Python numbers, ``pd.Timestamp`` into a `datetime`, and NaN, NaT and None left out
  as missing, with the names of the fields left out, for the messages.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

__all__ = ["record_of", "rows_of"]

_ACCEPTED = (
    "give push_many a JSONL or CSV path, an iterable or async iterable of records (mappings or "
    "models), a pandas or polars DataFrame, an Arrow table, or database rows"
)


def rows_of(records: Any) -> Any:
    """`records` as an iterable of records: a table's rows, or `records` itself.

    Raises:
        TypeError: `records` is not a stream of records.
    """
    if isinstance(records, Mapping | bytes | bytearray | int | float):
        msg = f"push_many cannot read a {type(records).__name__} as records: {_ACCEPTED}"
        raise TypeError(msg)
    if hasattr(records, "iter_rows") and hasattr(records, "columns"):  # polars
        return records.iter_rows(named=True)
    if hasattr(records, "itertuples") and hasattr(records, "columns"):  # pandas
        return _pandas_rows(records)
    if hasattr(records, "to_arrow") and not hasattr(records, "to_batches"):
        records = records.to_arrow()
    if hasattr(records, "to_batches") and hasattr(records, "schema"):  # an Arrow table
        return (row for batch in records.to_batches() for row in batch.to_pylist())
    if hasattr(records, "to_dicts"):
        return records.to_dicts()
    return _by_protocol(records)


def _by_protocol(records: Any) -> Any:
    """`records` read through a table protocol, or `records` itself when it is iterable."""
    if hasattr(records, "__arrow_c_stream__"):  # Arrow's C stream interface (PyCapsule)
        return _arrow_stream_rows(records)
    if hasattr(records, "__dataframe__"):  # the DataFrame interchange protocol
        return _pandas_rows(_interchanged(records))
    if not isinstance(records, Iterable) and not hasattr(records, "__aiter__"):
        msg = f"push_many cannot read a {type(records).__name__} as records: {_ACCEPTED}"
        raise TypeError(msg)
    return records


def _arrow_stream_rows(records: Any) -> Iterator[dict[str, Any]]:
    # Imported here, not before: pyarrow is the user's, never a dependency; missing, it fails
    # at the call (push_many reads its rows at once), not at the first row.
    pyarrow = _library(
        "pyarrow", records, "exposes the Arrow C stream interface (__arrow_c_stream__)"
    )
    reader = pyarrow.RecordBatchReader.from_stream(records)
    return (row for batch in reader for row in batch.to_pylist())


def _interchanged(records: Any) -> Any:
    """`records` (a ``__dataframe__`` object) as a pandas DataFrame."""
    interchange = _library(
        "pandas.api.interchange",
        records,
        "exposes the DataFrame interchange protocol (__dataframe__)",
    )
    with warnings.catch_warnings():
        # pandas 3 deprecates the protocol for producers; reading a table the caller holds
        # is not for the caller to change, so its warning would be noise here.
        warnings.filterwarnings("ignore", message=".*Interchange Protocol is deprecated")
        return interchange.from_dataframe(records)


def _library(module: str, records: Any, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".", 1)[0]
        msg = (
            f"push_many cannot read a {type(records).__name__}: it {what}, which needs {package} "
            f"(pip install {package}); install it, or pass its rows (a list of dicts)"
        )
        raise TypeError(msg) from None


def _pandas_rows(frame: Any) -> Iterator[dict[str, Any]]:
    names = [str(name) for name in frame.columns]
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(names, values, strict=True))


def record_of(row: Any) -> tuple[Any, tuple[str, ...]]:
    """One row as a record, and the fields it leaves out as missing (see the module docstring)."""
    if not isinstance(row, Mapping):
        if hasattr(row, "keys") and type(row).__module__ == "sqlite3":  # sqlite3.Row
            row = dict(zip(row.keys(), row, strict=True))
        else:
            return row, ()
    record: dict[str, Any] = {}
    missing: list[str] = []
    for name, cell in row.items():
        value, kind = _value(cell)
        if kind is not None:
            missing.append(f"{name} is missing ({kind})")
            continue
        if isinstance(name, str) and "." in name:
            *parents, last = name.split(".")
            node = record
            for segment in parents:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    break  # both "customer" and "customer.phone": the whole one wins
                node = child
            else:
                node[last] = value
            continue
        record[name] = value
    return record, tuple(missing)


def _value(cell: Any) -> tuple[Any, str | None]:
    """A cell as JSON-ready data, or why it is missing."""
    if cell is None:
        return None, "None in the source"
    kind = type(cell)
    if kind.__name__ == "NaTType":
        return None, "NaT in the DataFrame"
    if kind.__module__.startswith("numpy") and hasattr(cell, "item"):
        cell = cell.item()  # int64, float64, bool_: the Python value, exactly
    if isinstance(cell, float) and math.isnan(cell):
        return None, "NaN in the DataFrame"
    if isinstance(cell, datetime) and type(cell) is not datetime:
        cell = _plain_datetime(cell)
    return cell, None


def _plain_datetime(value: datetime) -> datetime:
    # A subclass (pd.Timestamp) is not serialised as a datetime by the JSON encoder.
    to_pydatetime = getattr(value, "to_pydatetime", None)
    if to_pydatetime is not None:
        plain: datetime = to_pydatetime()
        return plain
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        value.tzinfo,
        fold=value.fold,
    )
