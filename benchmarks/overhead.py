"""What shopbridge costs over bare aiohttp doing the same requests, every row side by side.

The rows of issue 10's table, measured in one run:

* Kanal order upserts (the Kanal sandbox in its own process, rate limit and faults off) through
  bare aiohttp as its docs show it (``json=`` in, ``await response.json()`` out), `AsyncKanal`
  (validation, pacing, the decision table, retries armed, typed results) at concurrency 1 and
  32, the blocking `Kanal` at concurrency 1, and ``push_many`` of a JSONL file at concurrency 32
  (the same records: compared with bare aiohttp at 32);
* Karla order upserts (``PUT``, the Karla sandbox in its own process) through bare aiohttp and
  `AsyncKarla` at concurrency 1;
* start-up: ``shopbridge --help`` wall time against ``python -c "import aiohttp"``.

Every round runs every row twice, unpinned (client and sandboxes free to use any CPU) and pinned
(client on CPU 0, sandboxes on CPU 1), interleaved so that drift in the machine's speed (other
engineers' test runs share it) hits every row alike; the table reports the median round.
Client CPU per request is this process's `time.process_time` (the sandboxes run in others): it
is steadier than throughput on a shared machine, and shows the overhead even where the server is
the bottleneck. The cost of one `decide()` call closes the table.

Usage::

    python benchmarks/overhead.py [--records 2000] [--rounds 5] [--write]

``--write`` replaces the "overhead" section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from harness import API_KEY, STORE_ID, order, pin, sandbox_server, unpin, write_section
from shopbridge.core.sansio._outcome import HttpResponse, RequestFacts
from shopbridge.kanal import KANAL_TABLE, AsyncKanal, Kanal, parse_error
from shopbridge.karla import AsyncKarla

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

SECTION = "## Overhead: shopbridge vs bare aiohttp"
SHOP, SHOP_KEY = "sandbox-shop", "sandbox-key"
GOALS = {
    ("AsyncKanal.orders.upsert", 1): 0.95,
    ("AsyncKanal.orders.upsert", 32): 0.95,
    ("Kanal.orders.upsert (blocking)", 1): 0.85,
    ("AsyncKarla.orders.upsert", 1): 0.95,
    ("AsyncKanal.orders.push_many (file)", 32): 0.90,
}
STARTUP_GOAL = 0.5


async def run_workers(count: int, concurrency: int, send: Callable[[int], Awaitable[None]]) -> None:
    """Send records 0..count-1 with `concurrency` workers pulling from one counter."""
    numbers = iter(range(count))

    async def worker() -> None:
        for number in numbers:
            await send(number)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


KANAL_HEADERS = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
KARLA_HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{SHOP}:{SHOP_KEY}".encode()).decode(),
    "Accept": "application/json",
}


def karla_order(number: str) -> dict[str, Any]:
    """One Karla order upsert, as a plain mapping."""
    return {
        "id": number,
        "order": {
            "order_number": number,
            "external_id": f"e-{number}",
            "address": {"zip_code": "10115"},
        },
        "trackings": [{"tracking_number": f"T-{number}"}],
    }


async def bare_kanal(url: str, prefix: str, count: int, concurrency: int) -> None:
    """Bare aiohttp as its docs show it: ``json=`` in, ``await response.json()`` out."""
    target = f"{url}/stores/{STORE_ID}/orders"
    async with aiohttp.ClientSession(headers=KANAL_HEADERS) as session:

        async def send(number: int) -> None:
            async with session.post(target, json=order(f"{prefix}-{number}")) as response:
                data = await response.json()
                if response.status not in (200, 201) or "external_id" not in data:
                    raise RuntimeError(response.status)

        await run_workers(count, concurrency, send)


async def async_kanal(url: str, prefix: str, count: int, concurrency: int) -> None:
    """`AsyncKanal.orders.upsert`, one call per record."""
    async with AsyncKanal(API_KEY, STORE_ID, base_url=url) as kanal:

        async def send(number: int) -> None:
            await kanal.orders.upsert(order(f"{prefix}-{number}"))

        await run_workers(count, concurrency, send)


async def push_file(url: str, prefix: str, count: int, concurrency: int) -> None:
    """`AsyncKanal.orders.push_many` of a JSONL file written beforehand (not timed apart)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.jsonl"
        path.write_bytes(
            b"".join(orjson.dumps(order(f"{prefix}-{n}")) + b"\n" for n in range(count))
        )
        async with AsyncKanal(API_KEY, STORE_ID, base_url=url) as kanal:
            report = await kanal.orders.push_many(path, concurrency=concurrency)
        if not report.ok or report.total != count:
            raise RuntimeError(report.summary() if hasattr(report, "summary") else report)


def blocking_kanal(url: str, prefix: str, count: int, concurrency: int) -> None:
    """The blocking `Kanal`, one call after another in the caller's thread."""
    assert concurrency == 1
    with Kanal(API_KEY, STORE_ID, base_url=url) as kanal:
        for number in range(count):
            kanal.orders.upsert(order(f"{prefix}-{number}"))


async def bare_karla(url: str, prefix: str, count: int, concurrency: int) -> None:
    """Bare aiohttp, Karla's ``PUT /orders``."""
    target = f"{url}/shops/{SHOP}/orders"
    async with aiohttp.ClientSession(headers=KARLA_HEADERS) as session:

        async def send(number: int) -> None:
            async with session.put(target, json=karla_order(f"{prefix}-{number}")) as response:
                data = await response.json()
                if response.status not in (200, 201) or not isinstance(data, dict):
                    raise RuntimeError(response.status)

        await run_workers(count, concurrency, send)


async def async_karla(url: str, prefix: str, count: int, concurrency: int) -> None:
    """`AsyncKarla.orders.upsert`, one call per record."""
    async with AsyncKarla(SHOP, SHOP_KEY, SHOP, base_url=url) as karla:

        async def send(number: int) -> None:
            await karla.orders.upsert(karla_order(f"{prefix}-{number}"))

        await run_workers(count, concurrency, send)


BARE_KANAL, BARE_KARLA = "bare aiohttp (Kanal)", "bare aiohttp (Karla)"
# name, concurrency, sandbox, function, the bare row it is compared with
ROWS: tuple[tuple[str, int, str, Callable[..., Any], str], ...] = (
    (BARE_KANAL, 1, "kanal", bare_kanal, BARE_KANAL),
    ("AsyncKanal.orders.upsert", 1, "kanal", async_kanal, BARE_KANAL),
    ("Kanal.orders.upsert (blocking)", 1, "kanal", blocking_kanal, BARE_KANAL),
    (BARE_KANAL, 32, "kanal", bare_kanal, BARE_KANAL),
    ("AsyncKanal.orders.upsert", 32, "kanal", async_kanal, BARE_KANAL),
    ("AsyncKanal.orders.push_many (file)", 32, "kanal", push_file, BARE_KANAL),
    (BARE_KARLA, 1, "karla", bare_karla, BARE_KARLA),
    ("AsyncKarla.orders.upsert", 1, "karla", async_karla, BARE_KARLA),
)
MODES = ("unpinned", "pinned")


def measure(run: Callable[[], object], count: int) -> tuple[float, float]:
    """Records per second, and client CPU microseconds per record."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, cpu / count * 1e6


def startup_ratio(repeat: int) -> tuple[float, float, float]:
    """Median wall seconds of ``shopbridge --help`` and of ``import aiohttp``, and their ratio."""
    script = Path(sys.executable).with_name("shopbridge")
    help_command = (
        [str(script), "--help"]
        if script.exists()
        else [sys.executable, "-m", "shopbridge", "--help"]
    )
    commands = {"help": help_command, "aiohttp": [sys.executable, "-c", "import aiohttp"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():  # interleaved
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - fixed commands
            times[name].append(time.perf_counter() - started)
    help_wall, aiohttp_wall = statistics.median(times["help"]), statistics.median(times["aiohttp"])
    return help_wall, aiohttp_wall, help_wall / aiohttp_wall


def decide_cost() -> list[tuple[str, float]]:
    """Microseconds per `decide()` call on typical outcomes."""
    facts = RequestFacts(method="POST", idempotent=True)
    outcomes = {
        "201 created": HttpResponse(status=201, headers={}),
        "422 validation": HttpResponse(
            status=422,
            error=parse_error(422, {"message": "m", "errors": {"customer.phone": ["m"]}}),
        ),
        "429 with Retry-After": HttpResponse(
            status=429,
            headers={"retry-after": "17", "x-ratelimit-remaining": "0"},
            error=parse_error(429, {"message": "Too Many Attempts."}),
        ),
    }
    rows = []
    for name, outcome in outcomes.items():
        calls = 20_000
        seconds = min(
            timeit.repeat(
                partial(KANAL_TABLE.decide, outcome, facts, now=0.0), number=calls, repeat=5
            )
        )
        rows.append((name, seconds / calls * 1e6))
    return rows


def set_mode(mode: str, sandboxes: dict[str, int]) -> None:
    """Pin (client on CPU 0, sandboxes on CPU 1) or unpin this process and the sandboxes."""
    for index, pid in enumerate([0, *sandboxes.values()]):
        if mode == "pinned":
            pin(pid, 0 if index == 0 else 1)
        else:
            unpin(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    count: int = args.records

    samples: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    load_before = os.getloadavg()
    with sandbox_server("kanal", cpu=None) as kanal, sandbox_server("karla", cpu=None) as karla:
        urls = {"kanal": kanal[0], "karla": karla[0]}
        sandboxes = {"kanal": kanal[1], "karla": karla[1]}
        asyncio.run(bare_kanal(urls["kanal"], "warmup", 300, 8))  # warm every process up
        asyncio.run(bare_karla(urls["karla"], "warmup", 300, 8))
        for round_number in range(args.rounds):
            for mode in MODES:
                set_mode(mode, sandboxes)
                for index, (name, concurrency, api, function, _) in enumerate(ROWS):
                    prefix = f"r{round_number}{mode[0]}{index}"
                    run: Callable[[], object] = partial(
                        function, urls[api], prefix, count, concurrency
                    )
                    if asyncio.iscoroutinefunction(function):
                        run = partial(asyncio.run, run())  # type: ignore[arg-type]
                    samples.setdefault((mode, name, concurrency), []).append(measure(run, count))
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    load_after = os.getloadavg()
    help_wall, aiohttp_wall, ratio = startup_ratio(repeat=9)

    def median(key: tuple[str, str, int]) -> tuple[float, float]:
        return (
            statistics.median(rate for rate, _ in samples[key]),
            statistics.median(cpu for _, cpu in samples[key]),
        )

    lines = [
        "| Row | Concurrency | Unpinned: records/s | vs bare | client CPU µs/request "
        "| Pinned: records/s | vs bare | client CPU µs/request | Goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for name, concurrency, _, _, bare in ROWS:
        cells = [f"| {name} | {concurrency} "]
        ratios = []
        for mode in MODES:
            rate, cpu = median((mode, name, concurrency))
            floor, _ = median((mode, bare, concurrency))
            ratios.append(rate / floor)
            cells.append(f"| {rate:,.0f} | {rate / floor:.2f} | {cpu:.0f} ")
        goal = GOALS.get((name, concurrency))
        if goal is None:
            cells.append("| — |")
        else:
            met = "met" if min(ratios) >= goal else "NOT met"
            cells.append(f"| >= {goal} ({met}) |")
            verdicts.append(f"{name} c{concurrency}: {ratios[0]:.2f} / {ratios[1]:.2f} ({met})")
        lines.append("".join(cells))
    startup_met = "met" if ratio <= STARTUP_GOAL else "NOT met"
    lines += [
        "",
        f'Start-up: `shopbridge --help` {help_wall * 1000:.0f} ms, `python -c "import aiohttp"` '
        f"{aiohttp_wall * 1000:.0f} ms: ratio {ratio:.2f} (goal <= {STARTUP_GOAL}, "
        f"{startup_met}; median of 9 interleaved runs).",
        "",
        "Goals (ratio to bare aiohttp, unpinned / pinned): " + "; ".join(verdicts) + ".",
        "",
        f"Machine load (1-minute average) {load_before[0]:.2f} before, {load_after[0]:.2f} after.",
    ]
    lines += ["", "| `decide()` on | µs per call |", "|---|---|"]
    lines += [f"| {name} | {micros:.2f} |" for name, micros in decide_cost()]
    table = "\n".join(lines)
    print(table)

    if args.write:
        write_section(
            SECTION,
            f"python benchmarks/overhead.py --records {count} --rounds {args.rounds}",
            [
                f"{count} requests per row and run, median of {args.rounds} interleaved rounds, "
                "each round every row unpinned then pinned (client on CPU 0, both sandboxes on "
                "CPU 1); the sandboxes run in their own processes, rate limit and faults off.",
                "Reading: the machine is shared with other engineers' test runs, so throughput "
                "varies round to round; client CPU per request (this process's "
                "`time.process_time`) is the steadier figure, and the overhead proper.",
            ],
            table,
        )


if __name__ == "__main__":
    main()
