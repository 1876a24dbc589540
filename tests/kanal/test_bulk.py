"""Bulk pushes into the Kanal sandbox: outcomes, dead letter, resume, pacing, stopping.

Everything runs against the sandbox on loopback, with its seeded faults and its rate limiter.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from shopbridge.core._errors import CheckpointError
from shopbridge.core.bulk._report import BulkOutcome, BulkProgress
from shopbridge.kanal import AsyncKanal, Customer, Kanal, Order
from shopbridge.kanal.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    OTHER_TEAM_API_KEY,
    OTHER_TEAM_STORE_ID,
    KanalSandbox,
    RateLimit,
)
from tests.kanal.bulk_data import (
    FAULTS,
    PATIENT,
    invalid_order,
    is_invalid,
    order,
    orders,
    read_jsonl,
    write_jsonl,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
MODEL_ORDER = Order(
    external_id="ORDER-MODEL",
    placed_at=datetime(2026, 5, 18, 10, 0, tzinfo=UTC),
    total_price=Decimal("49.90"),
    customer=Customer(phone="+33612345678"),
)


def client(sandbox: KanalSandbox, **options: Any) -> AsyncKanal:
    options.setdefault("retry", PATIENT)
    return AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, **options)


def assert_holds_exactly(sandbox: KanalSandbox, records: list[dict[str, Any]]) -> None:
    """The store holds each valid record once, with its content, and nothing else."""
    valid = {record["external_id"]: record for record in records if record["customer"].get("phone")}
    held = sandbox.records(DEFAULT_STORE_ID, "orders")
    assert set(held) == set(valid)
    for key, stored in held.items():
        assert stored.data["total_price"] == valid[key]["total_price"]
        assert stored.data["financial_status"] == valid[key]["financial_status"]


def assert_dead_letter_holds_exactly_the_invalid(path: Path, records: list[dict[str, Any]]) -> None:
    rows = read_jsonl(path)
    invalid = [record["external_id"] for record in records if not record["customer"].get("phone")]
    assert [row["external_id"] for row in rows] == invalid  # each once, in input order
    for row in rows:
        account = row["_dead_letter"]
        assert account["outcome"] == "rejected"
        assert account["action"] == "fix_payload"
        assert account["attempts"] == 0
        assert account["field_errors"]["customer.phone"] == [
            "The customer.phone field is required."
        ]
        assert account["field_errors"]["total_price"] == [
            "The total price field must be at least 0."
        ]
        assert account["line"] == account["position"] + 1


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_fault_injection_run_holds_every_valid_record_once(tmp_path: Path) -> None:
    """10,000 records, 10% 503s, 2% drops before and after the write, 429s, 1% invalid."""
    records = orders(10_000)
    source = write_jsonl(tmp_path / "orders.jsonl", records)
    dead_letter = tmp_path / "dead.jsonl"
    async with KanalSandbox(rate_limit=None, faults=FAULTS, seed=11) as sandbox:
        async with client(sandbox) as kanal:
            report = await kanal.orders.push_many(
                source, dead_letter=dead_letter, checkpoint=tmp_path / "cp.json", concurrency=32
            )
        assert_holds_exactly(sandbox, records)
        faults = sandbox.stats.faults
    assert sum(report.counts.values()) == report.total == 10_000
    assert report.counts[BulkOutcome.REJECTED] == 100
    done = (BulkOutcome.CREATED, BulkOutcome.UPDATED, BulkOutcome.UPSERTED)
    assert sum(report.counts[outcome] for outcome in done) == 9_900
    assert report.done == 9_900
    assert report.not_done == report.dead_lettered == 100
    assert_dead_letter_holds_exactly_the_invalid(dead_letter, records)
    # The faults did happen, and the table retried each of them.
    assert faults["503"] > 500
    assert faults["drop_before"] > 100
    assert faults["drop_after"] > 100
    assert faults["throttle"] >= 1
    assert report.rate_limited == faults["throttle"]
    assert report.rules["kanal-5xx"] == faults["503"]
    assert report.retries >= faults["503"] + faults["drop_before"] + faults["drop_after"]
    assert report.counts[BulkOutcome.UPSERTED] > 0  # answers lost after the write


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_a_run_killed_with_sigkill_resumes_from_its_checkpoint_losing_nothing(
    tmp_path: Path,
) -> None:
    records = orders(10_000)
    source = write_jsonl(tmp_path / "orders.jsonl", records)
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    async with KanalSandbox(rate_limit=None, faults=FAULTS, seed=5) as sandbox:
        command = [sys.executable, "-m", "tests.kanal.push_child", sandbox.base_url]
        command += [str(source), str(checkpoint), str(dead_letter)]
        child = await anyio.open_process(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with anyio.fail_after(60):
            while not (checkpoint.exists() and sandbox.stats.requests >= 4_000):
                assert child.returncode is None, "the child ended before it could be killed"
                await anyio.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        await child.wait()
        assert child.returncode == -signal.SIGKILL
        killed_at = json.loads(checkpoint.read_bytes())["position"]
        assert 0 < killed_at < 10_000
        async with client(sandbox) as kanal:
            report = await kanal.orders.push_many(
                source, dead_letter=dead_letter, checkpoint=checkpoint, concurrency=16
            )
        assert_holds_exactly(sandbox, records)
    assert report.resumed_from == killed_at
    assert sum(report.counts.values()) == report.total == 10_000
    assert report.counts[BulkOutcome.REJECTED] == 100
    assert report.done == 9_900
    assert_dead_letter_holds_exactly_the_invalid(dead_letter, records)
    assert json.loads(checkpoint.read_bytes())["complete"] is True


async def test_a_wrong_key_stops_the_run_after_the_first_answer(tmp_path: Path) -> None:
    records = [order(n) for n in range(200)]
    source = write_jsonl(tmp_path / "orders.jsonl", records)
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    async with KanalSandbox(rate_limit=None) as sandbox:
        async with AsyncKanal("wrong-key", DEFAULT_STORE_ID, base_url=sandbox.base_url) as kanal:
            report = await kanal.orders.push_many(
                source, dead_letter=dead_letter, checkpoint=checkpoint, concurrency=16
            )
        assert sandbox.stats.requests == 1  # the first request goes alone; nothing followed
        assert report.counts[BulkOutcome.CREDENTIALS_REJECTED] == 1
        assert report.counts[BulkOutcome.SKIPPED] == 199
        assert report.stopped is not None
        assert "credentials" in report.stopped
        rows = read_jsonl(dead_letter)
        assert [row["external_id"] for row in rows] == [r["external_id"] for r in records]
        assert {row["_dead_letter"]["outcome"] for row in rows[1:]} == {"skipped"}
        assert json.loads(checkpoint.read_bytes())["position"] == 0
        # Not lost: with the key fixed, the same command resumes and sends them all.
        async with client(sandbox) as kanal:
            resumed = await kanal.orders.push_many(
                source, dead_letter=dead_letter, checkpoint=checkpoint
            )
        assert resumed.counts[BulkOutcome.CREATED] == 200
        assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 200
    assert resumed.ok
    assert not dead_letter.exists()  # resumed from its start, and nothing failed this time


async def test_broken_lines_are_rejected_with_their_line_and_the_rest_is_pushed(
    tmp_path: Path,
) -> None:
    source = tmp_path / "orders.jsonl"
    good = [order(n) for n in range(5)]
    lines = [
        json.dumps(good[0]),
        "{not json",
        json.dumps(good[1]),
        "[1, 2]",
        "",
        json.dumps(good[2]),
    ]
    lines += ['{"external_id": "ORDER-X"', json.dumps(good[3]), json.dumps(good[4])]
    source.write_text("\n".join(lines) + "\n")
    dead_letter = tmp_path / "dead.jsonl"
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many(source, dead_letter=dead_letter)
        assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 5
    assert report.counts[BulkOutcome.CREATED] == 5
    assert report.counts[BulkOutcome.REJECTED] == 3
    assert report.total == 8
    rows = [row["_dead_letter"] for row in read_jsonl(dead_letter)]
    assert [row["line"] for row in rows] == [2, 4, 7]
    assert rows[0]["message"].startswith("line 2 is not valid JSON")
    assert rows[0]["raw"] == "{not json"
    assert rows[1]["message"].startswith("line 4 is a JSON list")
    assert report.rules["unreadable-input"] == 3


async def test_a_csv_file_is_pushed_with_its_dotted_columns(tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text(
        "external_id,placed_at,total_price,currency,customer.phone,tags,line_items.0.title\n"
        'ORDER-1,2026-05-18T10:00:00Z,49.90,EUR,+33612345678,"[""vip""]",T-shirt\n'
        "ORDER-2,2026-05-18T10:00:00Z,10,EUR,+33612345679,,\n"
        "ORDER-3,2026-05-18T10:00:00Z,10,EUR\n"
        "ORDER-4,2026-05-18T10:00:00Z,abc,EUR,+33612345670,,\n"
    )
    dead_letter = tmp_path / "dead.jsonl"
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many(source, dead_letter=dead_letter)
        stored = sandbox.record(DEFAULT_STORE_ID, "orders", "ORDER-1")
    assert report.counts[BulkOutcome.CREATED] == 2
    assert stored is not None
    assert stored.data["customer"] == {"phone": "+33612345678"}
    assert stored.data["tags"] == ["vip"]
    assert stored.data["line_items"] == [{"title": "T-shirt"}]
    rows = [row["_dead_letter"] for row in read_jsonl(dead_letter)]
    assert [(row["line"], row["outcome"]) for row in rows] == [(4, "rejected"), (5, "rejected")]
    assert "the row has 4 cells but the header names 7 columns" in rows[0]["message"]
    assert rows[1]["field_errors"] == {"total_price": ["The total price field must be a number."]}


async def test_the_dead_letter_fixed_in_place_is_pushed_again_as_input(tmp_path: Path) -> None:
    records = [order(1), invalid_order(2), order(3)]
    source = write_jsonl(tmp_path / "orders.jsonl", records)
    dead_letter = tmp_path / "dead.jsonl"
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        first = await kanal.orders.push_many(source, dead_letter=dead_letter)
        assert first.counts[BulkOutcome.REJECTED] == 1
        (row,) = read_jsonl(dead_letter)
        row["customer"]["phone"] = "+33612345678"
        row["total_price"] = "12.00"
        fixed = write_jsonl(tmp_path / "fixed.jsonl", [row])  # _dead_letter left in: ignored
        again = await kanal.orders.push_many(fixed, dead_letter=tmp_path / "dead-2.jsonl")
        assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 3
    assert again.ok
    assert again.counts[BulkOutcome.CREATED] == 1


async def test_a_later_record_with_the_same_key_wins_whatever_the_faults(tmp_path: Path) -> None:
    first = [order(n) for n in range(50)]
    second = [order(n, version=1) for n in range(50)]
    records = [record for pair in zip(first, second, strict=True) for record in pair]
    async with KanalSandbox(
        rate_limit=None, faults="drop_after=0.2,slow=0.2:0.02", seed=3
    ) as sandbox:
        async with client(sandbox) as kanal:
            report = await kanal.orders.push_many(records, concurrency=16)
        assert report.ok
        assert_holds_exactly(sandbox, second)


async def test_at_the_limit_alone_the_runner_meets_no_429(tmp_path: Path) -> None:
    records = [order(n) for n in range(60)]
    async with KanalSandbox(rate_limit=RateLimit(limit=20, window=0.5)) as sandbox:
        async with client(sandbox, rate_window=0.5) as kanal:
            report = await kanal.orders.push_many(records, concurrency=8)
        assert sandbox.stats.rate_limited == 0
    assert report.ok
    assert report.rate_limited == 0


async def test_several_stores_in_one_run_are_paced_independently() -> None:
    records = [order(n) for n in range(40)]
    async with KanalSandbox(rate_limit=RateLimit(limit=10, window=0.5)) as sandbox:
        first = client(sandbox, rate_window=0.5)
        other = AsyncKanal(
            OTHER_TEAM_API_KEY,
            OTHER_TEAM_STORE_ID,
            base_url=sandbox.base_url,
            rate_window=0.5,
            retry=PATIENT,
        )
        async with first, other, anyio.create_task_group() as group:
            reports: dict[int | None, Any] = {}

            async def push(kanal: AsyncKanal) -> None:
                reports[kanal.store_id] = await kanal.orders.push_many(records, concurrency=4)

            group.start_soon(push, first)
            group.start_soon(push, other)
        assert sandbox.stats.rate_limited == 0
        assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 40
        assert len(sandbox.records(OTHER_TEAM_STORE_ID, "orders")) == 40
    assert reports[DEFAULT_STORE_ID].ok
    assert reports[OTHER_TEAM_STORE_ID].ok


async def test_two_runs_sharing_a_store_lose_nothing() -> None:
    async with KanalSandbox(rate_limit=RateLimit(limit=10, window=0.5)) as sandbox:
        one, two = client(sandbox, rate_window=0.5), client(sandbox, rate_window=0.5)
        reports = []
        async with one, two, anyio.create_task_group() as group:

            async def push(kanal: AsyncKanal, start: int) -> None:
                batch = [order(n) for n in range(start, start + 30)]
                reports.append(await kanal.orders.push_many(batch, concurrency=4))

            group.start_soon(push, one, 0)
            group.start_soon(push, two, 100)
        assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 60
    assert all(report.ok for report in reports)
    # The other client spends the window too: the pacer learns it from the headers, and the
    # few 429s that cross are waited out (they pause the whole store).
    assert sum(report.rate_limited for report in reports) == sandbox.stats.rate_limited


async def test_progress_events_count_up_to_the_total() -> None:
    events: list[BulkProgress] = []
    records = [order(n) for n in range(300)] + [invalid_order(999)]
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        await kanal.orders.push_many(records, on_progress=events.append)
    assert events[-1].finished
    assert events[-1].settled == events[-1].total == 301
    assert events[-1].rejected == 1
    assert [event.settled for event in events] == sorted(event.settled for event in events)
    assert all(not event.finished for event in events[:-1])


async def test_customers_are_pushed_and_deleted_in_bulk(tmp_path: Path) -> None:
    customers = [{"external_id": f"CUST-{n}", "phone": f"+336{n:08d}"} for n in range(20)]
    deletions = write_jsonl(tmp_path / "gone.jsonl", [{"external_id": "CUST-3"}, {"phone": "x"}])
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        pushed = await kanal.customers.push_many(customers)
        deleted = await kanal.customers.delete_many(deletions)
        by_id = await kanal.customers.delete_many(["CUST-4", "CUST-4", "NEVER-SEEN"])
        stored = sandbox.records(DEFAULT_STORE_ID, "customers")
    assert pushed.counts[BulkOutcome.CREATED] == 20
    assert deleted.counts[BulkOutcome.DELETED] == 1
    assert deleted.counts[BulkOutcome.REJECTED] == 1  # no external_id to delete by
    assert by_id.counts[BulkOutcome.DELETED] == 3  # deleting twice, or what never was, succeeds
    assert stored["CUST-3"].deleted
    assert stored["CUST-4"].deleted


async def test_a_checkpoint_is_never_applied_to_another_push(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(10)])
    checkpoint = tmp_path / "cp.json"
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        done = await kanal.orders.push_many(source, checkpoint=checkpoint)
        assert done.ok
        again = await kanal.orders.push_many(source, checkpoint=checkpoint)
        assert again.resumed_from == 10  # complete: nothing is sent again
        assert sandbox.stats.requests == 10
        with pytest.raises(CheckpointError, match="push of orders to kanal store 1, not of"):
            await kanal.checkouts.push_many(source, checkpoint=checkpoint)
        changed = write_jsonl(tmp_path / "orders.jsonl", [order(n, version=1) for n in range(10)])
        with pytest.raises(CheckpointError, match="the input differs"):
            await kanal.orders.push_many(changed, checkpoint=checkpoint)
        shorter = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(4)])
        with pytest.raises(CheckpointError, match="the input has 4 records"):
            await kanal.orders.push_many(shorter, checkpoint=checkpoint)
        grown = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(12)])
        more = await kanal.orders.push_many(grown, checkpoint=checkpoint)
        assert (more.resumed_from, more.counts[BulkOutcome.CREATED]) == (10, 12)


def test_the_blocking_twin_reads_a_sync_iterable_in_the_callers_thread(
    kanal_sandbox: KanalSandbox,
) -> None:
    threads: set[int] = set()

    def records() -> Iterator[dict[str, Any]]:
        for number in range(1_000):
            threads.add(threading.get_ident())
            yield order(number)

    events: list[BulkProgress] = []
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        kanal_sandbox.set_rate_limit(None)
        report = kanal.orders.push_many(records(), concurrency=8)
        sized = kanal.orders.push_many([order(5000)], on_progress=events.append)
        models = kanal.orders.push_many([MODEL_ORDER])
    assert threads == {threading.get_ident()}
    assert report.counts[BulkOutcome.CREATED] == 1_000
    assert events[-1].total == 1
    assert sized.ok
    assert models.ok


def test_the_blocking_twin_stops_feeding_when_the_run_fails(
    kanal_sandbox: KanalSandbox, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "cp.json"
    checkpoint.write_text("{}")
    pulled = 0

    def records() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for number in range(100_000):
            pulled += 1
            yield order(number)

    with (
        Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal,
        pytest.raises(CheckpointError, match="not a shopbridge checkpoint"),
    ):
        kanal.orders.push_many(records(), checkpoint=checkpoint)
    assert pulled < 100_000  # it stopped reading once the run had failed


@pytest.mark.parametrize("bad", [0, -3])
async def test_a_concurrency_below_one_is_refused(bad: int) -> None:
    async with KanalSandbox() as sandbox, client(sandbox) as kanal:
        with pytest.raises(ValueError, match="concurrency must be"):
            await kanal.orders.push_many([order(1)], concurrency=bad)


def test_one_record_in_a_hundred_is_invalid() -> None:
    assert sum(is_invalid(n) for n in range(10_000)) == 100


async def test_jsonl_numbers_reach_the_store_with_their_exact_digits(tmp_path: Path) -> None:
    """Nothing is rounded: a big integer and a long decimal arrive digit for digit."""
    line = (
        b'{"external_id": "EXACT", "placed_at": "2026-05-18T10:00:00Z", '
        b'"total_price": 12345678901234567.89, "customer": {"phone": "+33612345678"}, '
        b'"metadata": {"big": 18446744073709551617, '
        b'"precise": 0.1000000000000000055511151231257827}}\n'
    )
    source = tmp_path / "orders.jsonl"
    source.write_bytes(line)
    async with KanalSandbox(rate_limit=None) as sandbox, client(sandbox) as kanal:
        report = await kanal.orders.push_many(source)
        stored = sandbox.record(DEFAULT_STORE_ID, "orders", "EXACT")
    assert report.ok, report.summary()
    assert stored is not None
    assert str(stored.data["total_price"]) == "12345678901234567.89"
    metadata = stored.data["metadata"]
    assert str(metadata["big"]) == "18446744073709551617"
    assert str(metadata["precise"]) == "0.1000000000000000055511151231257827"
