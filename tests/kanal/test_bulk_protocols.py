"""Tables known only by a protocol: ``__dataframe__`` (interchange) and ``__arrow_c_stream__``."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox

pytestmark = pytest.mark.anyio

COLUMNS: dict[str, list[Any]] = {
    "external_id": ["CUST-1", "CUST-2"],
    "phone": ["+33612345678", "+33612345679"],
    "first_name": ["Marie", "Jean"],
}


class InterchangeOnly:
    """A table that offers only the DataFrame interchange protocol (as vaex or modin may)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame: Any = frame  # pandas-stubs read __dataframe__ as a column

    def __dataframe__(self, nan_as_null: bool = False, allow_copy: bool = True) -> Any:
        return self._frame.__dataframe__(nan_as_null=nan_as_null, allow_copy=allow_copy)


class ArrowStreamOnly:
    """A table that offers only the Arrow PyCapsule stream interface (as DuckDB's results do)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


def client(sandbox: KanalSandbox) -> AsyncKanal:
    return AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url)


@pytest.mark.parametrize(
    "table",
    [InterchangeOnly(pd.DataFrame(COLUMNS)), ArrowStreamOnly(pa.table(COLUMNS))],
    ids=["__dataframe__", "__arrow_c_stream__"],
)
async def test_a_table_known_only_by_its_protocol_is_pushed_by_its_rows(table: Any) -> None:
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.customers.push_many(table)
        held = sandbox.records(DEFAULT_STORE_ID, "customers")
    assert report.counts[BulkOutcome.CREATED] == 2, report
    assert held["CUST-2"].data["first_name"] == "Jean"


def test_the_blocking_twin_pushes_an_arrow_stream_by_its_rows(kanal_sandbox: KanalSandbox) -> None:
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        report = kanal.customers.push_many(ArrowStreamOnly(pa.table(COLUMNS)))
    assert report.counts[BulkOutcome.CREATED] == 2


@pytest.mark.parametrize(
    ("table", "missing"),
    [
        (ArrowStreamOnly(pa.table(COLUMNS)), "pyarrow"),
        (InterchangeOnly(pd.DataFrame(COLUMNS)), "pandas.api.interchange"),
    ],
    ids=["pyarrow", "pandas"],
)
async def test_without_the_library_that_reads_it_a_protocol_table_says_what_to_install(
    table: Any, missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # None in sys.modules: an ImportError
    package = missing.split(".", 1)[0]
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        with pytest.raises(TypeError, match=f"pip install {package}.*pass its rows"):
            await kanal.customers.push_many(table)
        assert sandbox.records(DEFAULT_STORE_ID, "customers") == {}
