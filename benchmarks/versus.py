"""This tree against an earlier commit, side by side in one run: the cost of a change.

The same N order upserts go to one Kanal sandbox (its own process, rate limit and faults off)
through bare aiohttp, through `AsyncKanal` (concurrency 1 and 32) and through the blocking
`Kanal` (concurrency 1), once with this tree's shopbridge and once with the commit given as
``--base`` (checked out in a temporary git worktree). Each measurement runs in a fresh child
process that imports shopbridge from one tree only; the variants are interleaved round by
round, so that drift in the machine's speed hits both trees alike. The table reports median
throughput as a ratio to bare aiohttp measured in the same round, and client CPU per record
(the child's own ``time.process_time``: the sandbox runs in another process).

Usage::

    python benchmarks/versus.py --base a8f4129 [--records 3000] [--rounds 5] [--write]

``--write`` replaces the "versus" section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import API_KEY, STORE_ID, pin, sandbox_process, write_section

SECTION = "## Versus an earlier commit: the cost of a change"
ROOT = Path(__file__).resolve().parents[1]

# Run in a child process with PYTHONPATH set to one tree's src: the same code for both trees,
# using only the API both share (the constructor's api_key/store_id/base_url, orders.upsert).
CHILD = """
import asyncio, json, sys, time
import aiohttp, orjson
sys.path.insert(0, sys.argv[1])
from harness import order
import shopbridge
from shopbridge.kanal import AsyncKanal, Kanal
assert shopbridge.__file__.startswith(sys.argv[2]), shopbridge.__file__
variant, base_url, count, concurrency, prefix = sys.argv[3], sys.argv[4], int(sys.argv[5]), \
    int(sys.argv[6]), sys.argv[7]
KEY, STORE = {key!r}, {store}

async def workers(send):
    numbers = iter(range(count))
    async def worker():
        for number in numbers:
            await send(number)
    await asyncio.gather(*(worker() for _ in range(concurrency)))

async def bare():
    url = f"{base_url}/stores/{STORE}/orders"
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async def send(number):
            async with session.post(url, json=order(f"{prefix}-{number}")) as response:
                data = await response.json()
                assert response.status in (200, 201) and "external_id" in data
        await workers(send)

async def kanal_async():
    async with AsyncKanal(KEY, STORE, base_url=base_url) as kanal:
        async def send(number):
            await kanal.orders.upsert(order(f"{prefix}-{number}"))
        await workers(send)

def kanal_blocking():
    with Kanal(KEY, STORE, base_url=base_url) as kanal:
        for number in range(count):
            kanal.orders.upsert(order(f"{prefix}-{number}"))

run = {"bare": lambda: asyncio.run(bare()), "async": lambda: asyncio.run(kanal_async()),
       "blocking": kanal_blocking}[variant]
wall, cpu = time.perf_counter(), time.process_time()
run()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"rate": count / wall, "cpu_us": cpu / count * 1e6}))
""".replace("{key!r}", repr(API_KEY)).replace("{store}", str(STORE_ID))

VARIANTS = (("async", 1), ("async", 32), ("blocking", 1))


def measure(  # noqa: PLR0917 - one child run's six facts, all positional on its command line
    src: Path, variant: str, base_url: str, count: int, concurrency: int, prefix: str
) -> dict[str, float]:
    """One child run: records per second and client CPU µs per record."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            CHILD,
            str(Path(__file__).parent),
            str(src),
            variant,
            base_url,
            str(count),
            str(concurrency),
            prefix,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    count: int = args.records
    label = subprocess.run(  # noqa: S603
        ["git", "rev-parse", "--short", args.base],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    pin(0, 0)
    with tempfile.TemporaryDirectory() as scratch:
        base_tree = Path(scratch) / "base"
        subprocess.run(  # noqa: S603
            ["git", "worktree", "add", "--detach", str(base_tree), args.base],  # noqa: S607
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        trees = {f"base {label}": base_tree / "src", "this tree": ROOT / "src"}
        samples: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        try:
            with sandbox_process() as base_url:
                for round_number in range(args.rounds):
                    for concurrency in (1, 32):
                        key = ("bare aiohttp", "bare", concurrency)
                        prefix = f"bare{concurrency}r{round_number}"
                        samples.setdefault(key, []).append(
                            measure(ROOT / "src", "bare", base_url, count, concurrency, prefix)
                        )
                    for tree, src in trees.items():
                        for variant, concurrency in VARIANTS:
                            prefix = f"{tree[:4]}{variant}{concurrency}r{round_number}"
                            samples.setdefault((tree, variant, concurrency), []).append(
                                measure(src, variant, base_url, count, concurrency, prefix)
                            )
                    print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            subprocess.run(  # noqa: S603
                ["git", "worktree", "remove", "--force", str(base_tree)],  # noqa: S607
                cwd=ROOT,
                check=False,
                capture_output=True,
            )

    def median(key: tuple[str, str, int], field: str) -> float:
        return statistics.median(sample[field] for sample in samples[key])

    names = {"async": "AsyncKanal", "blocking": "Kanal (blocking)"}
    lines = [
        "| Tree | Client | Concurrency | Records/s (median) | vs bare aiohttp "
        "| Client CPU µs/record |",
        "|---|---|---|---|---|---|",
    ]
    for concurrency in (1, 32):
        bare = median(("bare aiohttp", "bare", concurrency), "rate")
        lines.append(
            f"| - | bare aiohttp | {concurrency} | {bare:,.0f} | 1.00 "
            f"| {median(('bare aiohttp', 'bare', concurrency), 'cpu_us'):.0f} |"
        )
        for tree in trees:
            for variant, variant_concurrency in VARIANTS:
                if variant_concurrency != concurrency:
                    continue
                key = (tree, variant, concurrency)
                rate = median(key, "rate")
                lines.append(
                    f"| {tree} | {names[variant]} | {concurrency} | {rate:,.0f} "
                    f"| {rate / bare:.2f} | {median(key, 'cpu_us'):.0f} |"
                )
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(
            SECTION,
            f"python benchmarks/versus.py --base {label} --records {count} --rounds {args.rounds}",
            [
                f"{count} order upserts per child process, median of {args.rounds} interleaved "
                "rounds; each tree's shopbridge in its own child process, bare aiohttp measured "
                "in the same rounds; the sandbox in its own process, rate limit and faults off.",
            ],
            table,
        )


if __name__ == "__main__":
    main()
