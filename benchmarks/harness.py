"""What every benchmark here needs: the sandbox in its own process, the machine, RESULTS.md.

Not a benchmark itself. The scripts beside it import it from their own folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Iterator

RESULTS = Path(__file__).with_name("RESULTS.md")
API_KEY = "sandbox-key"
STORE_ID = 1


def pin(pid: int, cpu: int) -> None:
    """Keep `pid` on one CPU, where the machine has two or more.

    The client and the sandbox then never steal each other's core, and rounds vary less.
    """
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(pid, {cpu})


def unpin(pid: int) -> None:
    """Let `pid` run on every CPU of the machine again."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, range(os.cpu_count() or 1))


@contextmanager
def sandbox_process(rate_limit: str = "off", *, cpu: int = 1) -> Iterator[str]:
    """The Kanal sandbox in a child process, faults off; yields its base URL."""
    with sandbox_server("kanal", rate_limit, cpu=cpu) as (url, _):
        yield url


@contextmanager
def sandbox_server(
    api: str, rate_limit: str = "off", *, cpu: int | None = 1
) -> Iterator[tuple[str, int]]:
    """The `api` sandbox (``kanal`` or ``karla``) in a child process; yields its URL and pid.

    Pinned to `cpu`, unless `cpu` is ``None``.
    """
    command = [sys.executable, "-m", "shopbridge", "sandbox", api, "--rate-limit", rate_limit]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    if cpu is not None:
        pin(process.pid, cpu)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = next(word for word in first.split() if word.startswith("http://"))
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A ``redis-server`` of this run's own (no persistence): its URL, or None if not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def sandbox_stats(base_url: str) -> dict[str, Any]:
    """The sandbox's counters, read from its inspection route."""
    root = base_url.removesuffix("/api/v1")
    with urllib.request.urlopen(f"{root}/_sandbox/stats", timeout=10) as response:  # noqa: S310 - loopback
        stats: dict[str, Any] = json.loads(response.read())
    return stats


def order(external_id: str) -> dict[str, Any]:
    """One valid order, as a plain mapping (what an ETL job would hand over)."""
    return {
        "external_id": external_id,
        "placed_at": "2026-05-18T10:00:00+00:00",
        "total_price": 49.9,
        "currency": "EUR",
        "financial_status": "paid",
        "customer": {"phone": "+33612345678", "external_id": "CUST-42", "first_name": "Marie"},
        "line_items": [{"title": "T-shirt Bordeaux", "quantity": 2, "price": 24.95}],
        "tags": ["benchmark"],
    }


def machine() -> str:
    """The machine, for the results file."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}"
    )


def write_section(title: str, command: str, notes: list[str], table: str) -> None:
    """Replace (or add) the section `title` of RESULTS.md: date, machine, command, notes, table."""
    section = (
        f"{title}\n\n"
        f"- Date: {dt.datetime.now(tz=dt.UTC):%Y-%m-%d}\n"
        f"- Machine: {machine()}\n"
        f"- Command: `{command}`\n" + "".join(f"- {note}\n" for note in notes) + f"\n{table}\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if title in text:
        before, _, after = text.partition(title)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
