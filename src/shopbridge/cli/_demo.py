"""``shopbridge demo``: a sample shop pushed into the embedded Kanal sandbox, faults on.

The main job of the library, end to end, on this machine alone: the Kanal sandbox starts in
this process with a rate limit and seeded faults (429 bursts from "another client", 5xx, and
connections dropped after the write was applied), and the bundled sample shop (``demo_data/``:
customers, orders and shipments as JSONL, abandoned checkouts as CSV, a few records of each
invalid and one line that is not JSON) is pushed through `AsyncKanal`'s bulk runner with a
progress bar. It ends with what happened to every record, which rows of the decision table
fired (and what they made the client do), and where the dead letters are.
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopbridge.cli._console import ProgressBar
from shopbridge.cli._push import quiet_logs, show_report
from shopbridge.kanal import AsyncKanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox, RateLimit

if TYPE_CHECKING:
    from rich.console import Console

    from shopbridge.core.bulk._report import BulkReport

__all__ = ["DEMO_FAULTS", "DEMO_RATE_LIMIT", "run_demo"]

DEMO_RATE_LIMIT = RateLimit(limit=40, window=1.0)
"""The sandbox's limit for the demo: 40 requests a second (Kanal's own is 60 a minute), so the
demo shows the pacer at work and still ends in about 20 seconds."""
DEMO_FAULTS = "503=0.05,500=0.01,drop_after=0.02,throttle=0.01:1"
"""5 % 503, 1 % 500, 2 % connections dropped after the write, 1 % spurious 429s (bursts from
another client) with ``Retry-After: 1``."""

_FILES = (
    ("customers", "customers.jsonl"),
    ("orders", "orders.jsonl"),
    ("checkouts", "checkouts.csv"),
    ("shipments", "shipments.jsonl"),
)


async def run_demo(console: Console, *, output: Path | None = None, seed: int = 7) -> None:
    """Run the demo, printing to `console`; dead letters go to `output` (or a temporary dir)."""
    folder = output if output is not None else Path(tempfile.mkdtemp(prefix="shopbridge-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = resources.files("shopbridge.cli") / "demo_data"
    reports: list[BulkReport] = []
    console.print(
        "[bold]shopbridge demo[/]: a sample shop pushed into the embedded Kanal sandbox, with "
        f"a limit of {DEMO_RATE_LIMIT.limit} requests per {DEMO_RATE_LIMIT.window:g} s and "
        f"faults on ({DEMO_FAULTS})."
    )
    with quiet_logs(0):
        async with (
            KanalSandbox(rate_limit=DEMO_RATE_LIMIT, faults=DEMO_FAULTS, seed=seed) as sandbox,
            AsyncKanal(
                DEFAULT_API_KEY,
                DEFAULT_STORE_ID,
                base_url=sandbox.base_url,
                rate_window=DEMO_RATE_LIMIT.window,
            ) as kanal,
        ):
            console.print(f"Sandbox at {sandbox.base_url}; sample data in {data}\n")
            resources_by_name: dict[str, Any] = {
                "customers": kanal.customers,
                "orders": kanal.orders,
                "checkouts": kanal.checkouts,
                "shipments": kanal.shipments,
            }
            for name, file_name in _FILES:
                with resources.as_file(data / file_name) as path, ProgressBar(console, name) as bar:
                    report = await resources_by_name[name].push_many(
                        path, dead_letter=folder / f"{name}.dead-letter.jsonl", on_progress=bar
                    )
                reports.append(report)
            stats = sandbox.stats
    console.print()
    show_report(console, reports, kanal.table)
    console.print(
        f"\nThe sandbox answered {stats.requests} requests; it injected "
        + ", ".join(f"{count} x {kind}" for kind, count in sorted(stats.faults.items()))
        + f". {sum(report.rate_limited for report in reports)} 429s were met, each pausing the "
        "whole store for its Retry-After; every 5xx and dropped connection was retried with "
        "backoff (Kanal's writes are idempotent), and a record whose answer was lost after the "
        "write counts as 'upserted'. Invalid records were refused before sending, with Kanal's "
        "own messages."
    )
