"""Karla bulk pushes against the Karla sandbox: upserts, creates and their 409 outcomes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.karla import AsyncKarla, Karla
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    EXPIRED_API_KEY,
    KarlaSandbox,
)
from tests.kanal.bulk_data import read_jsonl, write_jsonl

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]

PATIENT = RetryPolicy(
    max_attempts=20, deadline=60, attempt_timeout=10, backoff_base=0.01, backoff_max=0.05
)


def upsert(number: int, *, zip_code: str = "10115") -> dict[str, Any]:
    return {
        "id": str(number),
        "order": {
            "order_number": str(number),
            "external_id": f"shopify-{number}",
            "address": {"zip_code": zip_code, "city": "Berlin", "country_code": "DE"},
            "order_placed_at": "2026-05-18T10:00:00+00:00",
            "email_id": "marie@example.com",
        },
        "trackings": [{"tracking_number": f"T-{number}", "carrier_reference": "dhl"}],
    }


def discount(code: str) -> dict[str, Any]:
    return {"type": "order", "code": code, "value_type": "percentage", "value": 10}


def client(sandbox: KarlaSandbox, *, api_key: str = DEFAULT_API_KEY) -> AsyncKarla:
    return AsyncKarla(
        DEFAULT_USERNAME, api_key, DEFAULT_SHOP, base_url=sandbox.base_url, retry=PATIENT
    )


async def test_order_upserts_through_faults_hold_every_order_once(tmp_path: Path) -> None:
    records = [upsert(number) for number in range(300)]
    records[17] = upsert(17, zip_code="??")  # zip_code_invalid, from the sandbox
    records[40] = {"id": "40", "trackings": [], "order": {"order_number": 40}}  # wrong shapes
    source = write_jsonl(tmp_path / "orders.jsonl", records)
    dead_letter = tmp_path / "dead.jsonl"
    faults = "500=0.1,502=0.05,drop_before=0.02,drop_after=0.05"
    async with KarlaSandbox(faults=faults, seed=4) as sandbox, client(sandbox) as karla:
        report = await karla.orders.push_many(source, dead_letter=dead_letter, concurrency=16)
        for number in (0, 150, 299):
            assert sandbox.find_order(DEFAULT_SHOP, str(number)) is not None
        assert sandbox.find_order(DEFAULT_SHOP, "17") is None
        faults_met = sandbox.stats.faults
    assert report.counts[BulkOutcome.UPSERTED] == 298
    assert report.counts[BulkOutcome.REJECTED] == 2
    assert sum(report.counts.values()) == report.total == 300
    assert faults_met["drop_after"] > 0
    rows = {row["id"]: row["_dead_letter"] for row in read_jsonl(dead_letter)}
    assert rows["17"]["rule"] == "karla-zip_code_invalid"
    assert rows["17"]["status"] == 422
    assert rows["40"]["rule"] == "client-validation"
    assert rows["40"]["attempts"] == 0


async def test_creates_conflict_on_a_first_try_and_already_exist_after_a_lost_answer(
    tmp_path: Path,
) -> None:
    dead_letter = tmp_path / "dead.jsonl"
    async with KarlaSandbox() as sandbox, client(sandbox) as karla:
        await karla.discounts.create(discount("EXISTING"))
        # Half the answers are lost after the write: those creates are retried, and meet 409.
        with sandbox.injecting("drop_after=0.5"):
            retried = await karla.discounts.create_many(
                [discount(f"CODE-{number}") for number in range(20)], concurrency=4
            )
        fresh = await karla.discounts.create_many(
            [discount("NEW"), discount("EXISTING")], dead_letter=dead_letter
        )
    assert retried.ok
    assert retried.counts[BulkOutcome.ALREADY_EXISTED] > 0
    assert retried.counts[BulkOutcome.CREATED] + retried.counts[BulkOutcome.ALREADY_EXISTED] == 20
    assert fresh.counts[BulkOutcome.CREATED] == 1
    assert fresh.counts[BulkOutcome.CONFLICT] == 1
    (row,) = read_jsonl(dead_letter)
    assert row["code"] == "EXISTING"
    assert row["_dead_letter"]["outcome"] == "conflict"
    assert row["_dead_letter"]["rule"] == "karla-voucher_exists"


async def test_campaigns_and_announcements_are_created_in_bulk() -> None:
    campaigns: list[dict[str, Any]] = [
        {"name": f"Camp {n}", "segment": f"seg-{n}", "promotion_type": "basic"}
        | {"promotion_properties": {}}
        for n in range(5)
    ]
    async with KarlaSandbox() as sandbox, client(sandbox) as karla:
        made = await karla.campaigns.create_many(campaigns)
        said = await karla.announcements.create_many([{"text": "Hallo", "language": "de"}])
        listed = [str(campaign.name) async for campaign in karla.campaigns.search()]
    assert made.counts[BulkOutcome.CREATED] == 5
    assert said.counts[BulkOutcome.CREATED] == 1
    assert sorted(listed) == [f"Camp {n}" for n in range(5)]


async def test_an_expired_key_stops_the_run_after_the_first_answer(tmp_path: Path) -> None:
    checkpoint = tmp_path / "cp.json"
    records = [upsert(number) for number in range(50)]
    async with KarlaSandbox() as sandbox:
        async with client(sandbox, api_key=EXPIRED_API_KEY) as karla:
            report = await karla.orders.push_many(records, checkpoint=checkpoint, concurrency=8)
        assert sandbox.stats.requests == 1
        assert report.counts[BulkOutcome.CREDENTIALS_REJECTED] == 1
        assert report.counts[BulkOutcome.SKIPPED] == 49
        assert json.loads(checkpoint.read_bytes())["position"] == 0
        async with client(sandbox) as karla:
            resumed = await karla.orders.push_many(records, checkpoint=checkpoint)
    assert resumed.counts[BulkOutcome.UPSERTED] == 50


def test_the_blocking_twin_pushes_and_creates(karla_sandbox: KarlaSandbox) -> None:
    with Karla(
        DEFAULT_USERNAME, DEFAULT_API_KEY, DEFAULT_SHOP, base_url=karla_sandbox.base_url
    ) as karla:
        pushed = karla.orders.push_many(upsert(number) for number in range(30))
        created = karla.discounts.create_many([discount("A"), discount("B")])
    assert pushed.counts[BulkOutcome.UPSERTED] == 30
    assert created.counts[BulkOutcome.CREATED] == 2
    assert karla_sandbox.find_order(DEFAULT_SHOP, "29") is not None


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_creates_resent_after_sigkill_already_existed_within_the_documented_window(
    tmp_path: Path,
) -> None:
    """A resume re-sends at most the window between the checkpoint's position and the newest
    record the killed run read; a create it had sent, meeting 409, is already_existed."""
    count = 3000
    source = write_jsonl(tmp_path / "discounts.jsonl", [discount(f"D{n}") for n in range(count)])
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    async with KarlaSandbox() as sandbox:
        command = [sys.executable, "-m", "tests.karla.create_child", sandbox.base_url]
        command += [str(source), str(checkpoint), str(dead_letter)]
        child = await anyio.open_process(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        with anyio.fail_after(60):
            while not (checkpoint.exists() and sandbox.stats.requests >= count // 3):
                assert child.returncode is None, "the child ended before it could be killed"
                await anyio.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        await child.wait()
        position = json.loads(checkpoint.read_bytes())["position"]
        journal = {int(line) for line in (tmp_path / "cp.json.sent").read_text().split()}
        resent = {sent for sent in journal if sent >= position}
        assert resent, "the kill came at no point where anything would be re-sent"
        window = max(journal) + 1 - position  # the documented bound
        before = sandbox.stats.requests
        async with client(sandbox) as karla:
            report = await karla.discounts.create_many(
                source, checkpoint=checkpoint, dead_letter=dead_letter, concurrency=8
            )
        assert sandbox.stats.requests - before == count - position  # each one once, no retries
    assert report.counts[BulkOutcome.CONFLICT] == 0
    assert len(resent) <= window
    # A record is journaled just before its request leaves: the kill may fall between the two
    # for the few in flight (at most the concurrency, 8), which the resume then creates afresh.
    already = report.counts[BulkOutcome.ALREADY_EXISTED]
    assert len(resent) - 8 <= already <= len(resent)
    assert report.counts[BulkOutcome.CREATED] == count - already  # the earlier run's included
    assert report.done == report.total == count
    assert not dead_letter.exists()
