"""Many processes, one store: 600 orders split over N = 1, 2, 4, 8, 16 processes at 60 per 2 s.

Side by side in one run, each row against a fresh Kanal sandbox (its own process, Laravel's fixed
window, faults off):

* **alone**: each process paces alone (the in-process pacer), seeing the others only through
  ``X-RateLimit-Remaining`` and 429s;
* **shared**: every process paces through `RedisPacing` (a real ``redis-server`` started here
  on a free loopback port), one window for all.

Each process pushes its share with ``AsyncKanal.orders.push_many`` (concurrency 8, the window
given: ``rate_window=2``); all start together. Measured: the time to the last record, the
window's utilisation (the ideal time over the time taken: an exact client ends when the last
window opens, (600 / 60 - 1) x 2 s = 18 s after the first), the 429s the sandbox answered, the
records not done, and, shared, the Redis commands per record (``EVALSHA`` calls, from Redis's
``INFO commandstats``).

Goal: shared, utilisation >= 0.98 and 0 429s at every N.

Usage::

    python benchmarks/scale.py [--processes 1 2 4 8 16] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from harness import (
    API_KEY,
    STORE_ID,
    order,
    redis_server,
    sandbox_process,
    sandbox_stats,
    write_section,
)

RECORDS = 600
LIMIT = 60
WINDOW = 2.0
CONCURRENCY = 8
IDEAL = (RECORDS / LIMIT - 1) * WINDOW
GOAL = 0.98
SECTION = "## Many processes, one store: 600 records at 60 per 2 s, alone and shared"


def evalsha_calls(url: str) -> int:
    import redis  # noqa: PLC0415 - the shared rows only

    client = redis.Redis.from_url(url)
    try:
        stats: dict[str, Any] = client.info("commandstats")
    finally:
        client.close()
    return sum(
        int(value["calls"])
        for name, value in stats.items()
        if name in ("cmdstat_evalsha", "cmdstat_eval")
    )


def warm() -> None:
    """Import the client in a pool's process before the clock starts (spawned: a bare one)."""
    import redis.asyncio  # noqa: F401, PLC0415 - a running ETL worker has imported it too

    import shopbridge.kanal  # noqa: F401, PLC0415
    from shopbridge import RedisPacing  # noqa: F401, PLC0415


def push_share(
    base_url: str, first: int, count: int, start_at: float, pacing: str | None
) -> dict[str, Any]:
    """One process's share (run in a spawned process): its counts and its time."""
    from shopbridge import RedisPacing  # noqa: PLC0415 - imported in the child
    from shopbridge.kanal import AsyncKanal  # noqa: PLC0415

    async def run() -> dict[str, Any]:
        backend = None if pacing is None else RedisPacing(pacing.split("#")[0], namespace=pacing)
        records = [order(f"ORDER-{number}") for number in range(first, first + count)]
        async with AsyncKanal(
            API_KEY, STORE_ID, base_url=base_url, rate_window=WINDOW, pacing=backend
        ) as kanal:
            await asyncio.sleep(max(start_at - time.time(), 0.0))  # all start together
            late = time.time() - start_at
            report = await kanal.orders.push_many(records, concurrency=CONCURRENCY)
        return {
            "late": late,
            "done": report.done,
            "not_done": report.not_done,
            "gave_up": report.counts[next(o for o in report.counts if o.value == "gave_up")],
            "finished": time.time(),
        }

    return asyncio.run(run())


def scenario(processes: int, redis_url: str | None) -> dict[str, Any]:
    base, extra = divmod(RECORDS, processes)
    shares = [base + (1 if i < extra else 0) for i in range(processes)]
    firsts = [sum(shares[:i]) for i in range(processes)]
    pacing = None if redis_url is None else f"{redis_url}#{uuid.uuid4().hex[:8]}"
    context = multiprocessing.get_context("spawn")
    with (
        sandbox_process(f"{LIMIT}/{WINDOW:g}") as base_url,
        ProcessPoolExecutor(processes, mp_context=context, initializer=warm) as pool,
    ):
        # Warm the pool: spawning 16 interpreters and importing the client in each must not
        # eat into the measured time (each process starts once every one has imported it).
        list(pool.map(time.sleep, [0.5] * processes))
        calls_before = 0 if redis_url is None else evalsha_calls(redis_url)
        start_at = time.time() + 2.0 + processes * 0.1
        futures = [
            pool.submit(push_share, base_url, first, share, start_at, pacing)
            for first, share in zip(firsts, shares, strict=True)
        ]
        results = [future.result() for future in futures]
        stats = sandbox_stats(base_url)
        calls = 0 if redis_url is None else evalsha_calls(redis_url) - calls_before
    elapsed = max(result["finished"] for result in results) - start_at
    return {
        "elapsed": elapsed,
        "utilisation": IDEAL / elapsed if elapsed > 0 else 0.0,
        "rate_limited": stats["rate_limited"],
        "not_done": sum(result["not_done"] for result in results),
        "gave_up": sum(result["gave_up"] for result in results),
        "per_record": calls / RECORDS if redis_url is not None else None,
        "late": max(result["late"] for result in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    rows = []
    with redis_server() as url:
        if url is None:
            sys.exit("redis-server is not installed (apt-get install redis-server)")
        for processes in args.processes:
            for mode, redis_url in (("alone", None), ("shared (Redis)", url)):
                result = scenario(processes, redis_url)
                rows.append((processes, mode, result))
                print(
                    f"N={processes} {mode}: {result['elapsed']:.2f} s, "
                    f"utilisation {result['utilisation']:.3f}, {result['rate_limited']} 429s, "
                    f"{result['not_done']} not done, the last process {result['late']:.2f} s late",
                    file=sys.stderr,
                )
    lines = [
        "| Processes | Pacing | Time | Utilisation | 429s met | Not done (gave up) "
        "| Redis commands per record |",
        "|---|---|---|---|---|---|---|",
    ]
    for processes, mode, result in rows:
        cost = "" if result["per_record"] is None else f"{result['per_record']:.2f}"
        lines.append(
            f"| {processes} | {mode} | {result['elapsed']:.2f} s | {result['utilisation']:.3f} "
            f"| {result['rate_limited']} | {result['not_done']} ({result['gave_up']}) | {cost} |"
        )
    shared = [result for _, mode, result in rows if mode != "alone"]
    met = all(r["utilisation"] >= GOAL and r["rate_limited"] == 0 for r in shared)
    lines += [
        "",
        f"Goal, shared at >= {GOAL} utilisation and 0 429s at every N: "
        f"{'met' if met else 'NOT met'} (utilisation "
        + ", ".join(f"{r['utilisation']:.3f}" for r in shared)
        + "; 429s "
        + ", ".join(str(r["rate_limited"]) for r in shared)
        + ").",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(
            SECTION,
            "python benchmarks/scale.py --processes " + " ".join(str(n) for n in args.processes),
            [
                f"{RECORDS} order upserts split over N processes (spawned, all starting at "
                f"once), concurrency {CONCURRENCY} each, into one store limited to {LIMIT} "
                f"requests per {WINDOW:g} s (the sandbox in its own process, a fresh one per "
                "row); each process is told the window (`rate_window=2.0`).",
                f"Utilisation: the ideal time ({IDEAL:g} s: an exact client ends as the last "
                "window opens) over the time to the last record.",
                "Redis commands per record: EVALSHA calls (acquire, release, pause and the "
                "polls while another request goes alone) over the records.",
                "Unpinned: the client processes and the sandbox share the machine's cores.",
            ],
            table,
        )


if __name__ == "__main__":
    main()
