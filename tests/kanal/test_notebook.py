"""The blocking client in a real Jupyter kernel: a notebook cell runs inside a running loop."""

from __future__ import annotations

import nbclient
import nbformat
import pytest

CELLS = [
    """
from shopbridge.kanal import Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, KanalSandbox

running = KanalSandbox(rate_limit=None).running_in_thread()
sandbox = running.__enter__()
""",
    """
import asyncio
asyncio.get_running_loop()  # the kernel's own loop runs: this cell is inside it

kanal = Kanal(DEFAULT_API_KEY, 1, base_url=sandbox.base_url)
result = kanal.customers.upsert({"phone": "+33612345678", "external_id": "CUST-1"})
print("created", result.created)
""",
    """
print("again", kanal.customers.upsert({"phone": "+33612345678", "external_id": "CUST-1"}).created)
kanal.close()
running.__exit__(None, None, None)
""",
]


@pytest.mark.timeout(120)
def test_the_blocking_client_works_in_a_notebook_cell() -> None:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]  # type: ignore[no-untyped-call]
    client = nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3")
    client.execute()
    outputs = [
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    ]
    assert "created True\n" in outputs
    assert "again False\n" in outputs
    errors = [
        output
        for cell in notebook.cells
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
