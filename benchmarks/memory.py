"""Memory of a bulk run: peak RSS pushing 50,000 and 200,000 orders from a JSONL file.

Each size runs in a fresh process (peak RSS only grows within a process), pushing a JSONL file
(1 % of the records invalid) through ``AsyncKanal.orders.push_many`` with a dead letter and a
checkpoint, into the Kanal sandbox in its own process with its rate limit off. The goal: the
bigger run's peak within 1.1 x the smaller one's, i.e. constant memory whatever the input's size.

Usage::

    python benchmarks/memory.py [--sizes 50000 200000] [--concurrency 32] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from harness import API_KEY, STORE_ID, order, pin, sandbox_process, write_section
from shopbridge.kanal import AsyncKanal

GOAL = 1.1
SECTION = "## Memory: constant whatever the input's size"


def write_input(path: Path, count: int) -> None:
    """`count` orders, one in a hundred without a customer phone (rejected, dead-lettered)."""
    with path.open("wb") as file:
        for number in range(count):
            record = order(f"MEM-{count}-{number}")
            if number % 100 == 37:
                record["customer"] = {"first_name": "Nobody"}
            file.write(orjson.dumps(record) + b"\n")


async def push(base_url: str, source: Path, concurrency: int) -> dict[str, float]:
    """Push `source`; the numbers the parent reports."""
    started = time.perf_counter()
    async with AsyncKanal(API_KEY, STORE_ID, base_url=base_url) as kanal:
        report = await kanal.orders.push_many(
            source,
            dead_letter=source.with_suffix(".dead.jsonl"),
            checkpoint=source.with_suffix(".checkpoint.json"),
            concurrency=concurrency,
        )
    elapsed = time.perf_counter() - started
    assert report.total == report.done + report.not_done
    assert report.not_done == report.total // 100, report.summary()
    return {
        "records": report.total,
        "seconds": elapsed,
        "records_per_second": report.total / elapsed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(base_url: str, source: str, concurrency: int) -> None:
    """The measured process: one push, then its numbers as JSON on stdout."""
    pin(0, 0)
    print(json.dumps(asyncio.run(push(base_url, Path(source), concurrency))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--child", nargs=2, metavar=("BASE_URL", "INPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.concurrency)
        return
    results = []
    with tempfile.TemporaryDirectory() as folder, sandbox_process("off") as base_url:
        for size in args.sizes:
            source = Path(folder) / f"orders-{size}.jsonl"
            write_input(source, size)
            command = [sys.executable, __file__, "--child", base_url, str(source)]
            command += ["--concurrency", str(args.concurrency)]
            completed = subprocess.run(  # noqa: S603 - this script, this interpreter
                command, capture_output=True, text=True, check=True
            )
            result = json.loads(completed.stdout.splitlines()[-1])
            results.append(result)
            print(
                f"{size}: {result['peak_rss_mib']:.1f} MiB, {result['records_per_second']:,.0f}/s",
                file=sys.stderr,
            )
    smallest = results[0]["peak_rss_mib"]
    lines = [
        "| Records | Peak RSS | vs the smallest run | Records/s | Time |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {int(result['records']):,} | {result['peak_rss_mib']:.1f} MiB "
        f"| {result['peak_rss_mib'] / smallest:.3f} | {result['records_per_second']:,.0f} "
        f"| {result['seconds']:.1f} s |"
        for result in results
    ]
    ratio = results[-1]["peak_rss_mib"] / smallest
    lines += [
        "",
        f"Goal, the largest run's peak within {GOAL} x the smallest's: {ratio:.3f} "
        f"({'met' if ratio <= GOAL else 'NOT met'}).",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        sizes = " ".join(str(size) for size in args.sizes)
        write_section(
            SECTION,
            f"python benchmarks/memory.py --sizes {sizes} --concurrency {args.concurrency}",
            [
                "One fresh process per size, pushing a JSONL file (1 % invalid) with a dead "
                "letter and a checkpoint; the sandbox runs in its own process, rate limit off; "
                "client and sandbox pinned to one CPU each.",
                "Peak RSS is the client process's `ru_maxrss` (the interpreter, aiohttp and "
                "shopbridge included).",
            ],
            table,
        )


if __name__ == "__main__":
    main()
