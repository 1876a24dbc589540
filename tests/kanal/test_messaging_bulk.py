"""Bulk template sends and automation triggers into the Kanal sandbox: never a message twice.

The figure of the issue: 10,000 template sends with 10% 503s, 2% connections dropped before and
2% *after* the send, 429s and 1% invalid records, killed with SIGKILL mid-run and resumed. The
sandbox then holds every valid message sent exactly once, and the dead letter exactly the
invalid records.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.kanal import AsyncKanal
from shopbridge.kanal.sandbox import (
    ACTIVE_WEBHOOK_ID,
    DEFAULT_API_KEY,
    OTHER_TEAM_API_KEY,
    KanalSandbox,
)
from tests.kanal.bulk_data import FAULTS, PATIENT, read_jsonl, write_jsonl

if TYPE_CHECKING:
    from shopbridge.kanal.sandbox._messaging import SentMessage

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def send(number: int) -> dict[str, Any]:
    """A template send; record 37 of every hundred has a phone number that is not possible."""
    phone = "+12" if number % 100 == 37 else f"+336{number:08d}"
    return {
        "template_id": 1234,
        "phone_number": phone,
        "variables": {"first_name": "Marie", "order_number": str(number)},
    }


def sends(count: int) -> list[dict[str, Any]]:
    return [send(number) for number in range(count)]


def valid_orders(records: list[dict[str, Any]]) -> set[str]:
    return {r["variables"]["order_number"] for r in records if r["phone_number"] != "+12"}


def order_number(message: SentMessage) -> str:
    assert message.variables is not None
    return str(message.variables["order_number"])


def assert_sent_exactly_once(sandbox: KanalSandbox, records: list[dict[str, Any]]) -> None:
    sent = Counter(order_number(message) for message in sandbox.messaging.sent)
    assert set(sent) == valid_orders(records)
    assert set(sent.values()) == {1}  # every valid message went out once, none twice
    keys = Counter(message.idempotency_key for message in sandbox.messaging.sent)
    assert set(keys.values()) == {1}


def assert_dead_letter_holds_exactly_the_invalid(path: Path, records: list[dict[str, Any]]) -> None:
    rows = read_jsonl(path)
    invalid = [r["variables"]["order_number"] for r in records if r["phone_number"] == "+12"]
    assert [row["variables"]["order_number"] for row in rows] == invalid
    for row in rows:
        account = row["_dead_letter"]
        assert account["outcome"] == "rejected"
        assert account["attempts"] == 0
        assert account["field_errors"]["phone_number"] == ["Invalid phone_number format"]


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_a_template_send_killed_with_sigkill_resumes_and_sends_each_message_once(
    tmp_path: Path,
) -> None:
    records = sends(10_000)
    source = write_jsonl(tmp_path / "sends.jsonl", records)
    checkpoint, dead_letter = tmp_path / "cp.json", tmp_path / "dead.jsonl"
    async with KanalSandbox(rate_limit=None, faults=FAULTS, seed=5) as sandbox:
        sandbox.messaging.set_rate_limit(None)  # 60 a minute would take 3 hours: 429s are faults
        command = [sys.executable, "-m", "tests.kanal.messaging_child", sandbox.base_url]
        command += [str(source), str(checkpoint), str(dead_letter)]
        child = await anyio.open_process(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        with anyio.fail_after(90):
            while not (checkpoint.exists() and sandbox.stats.requests >= 4_000):
                assert child.returncode is None, "the child ended before it could be killed"
                await anyio.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        await child.wait()
        assert child.returncode == -signal.SIGKILL
        killed_at = json.loads(checkpoint.read_bytes())["position"]
        assert 0 < killed_at < 10_000
        async with AsyncKanal(DEFAULT_API_KEY, base_url=sandbox.base_url, retry=PATIENT) as kanal:
            report = await kanal.templates.push_many(
                source, dead_letter=dead_letter, checkpoint=checkpoint, concurrency=16
            )
        assert_sent_exactly_once(sandbox, records)
        faults = sandbox.stats.faults
        replays = sandbox.messaging.replays
    assert report.resumed_from == killed_at
    assert sum(report.counts.values()) == report.total == 10_000
    assert report.counts[BulkOutcome.REJECTED] == 100
    assert report.done == 9_900
    # Answers lost after the send, and the records in flight at the kill, met replays.
    assert report.counts[BulkOutcome.ALREADY_SENT] > 0
    assert replays >= report.counts[BulkOutcome.ALREADY_SENT]
    assert faults["503"] > 0
    assert faults["drop_after"] > 0
    assert faults["throttle"] >= 1
    assert_dead_letter_holds_exactly_the_invalid(dead_letter, records)
    assert json.loads(checkpoint.read_bytes())["complete"] is True


@pytest.mark.timeout(60)
async def test_a_key_column_is_the_idempotency_key_and_is_not_sent(tmp_path: Path) -> None:
    records = [{**send(n), "key": f"order-{n}-confirmed"} for n in range(1, 21)]
    records.append({**send(99), "key": ""})
    async with KanalSandbox(rate_limit=None) as sandbox:
        sandbox.messaging.set_rate_limit(None)
        async with AsyncKanal(DEFAULT_API_KEY, base_url=sandbox.base_url, retry=PATIENT) as kanal:
            first = await kanal.templates.push_many(records, key_column="key")
            again = await kanal.templates.push_many(records, key_column="key")
        sent = sandbox.messaging.sent
    assert first.counts[BulkOutcome.SENT] == 20
    assert first.counts[BulkOutcome.REJECTED] == 1  # no key: not sent
    assert again.counts[BulkOutcome.ALREADY_SENT] == 20
    assert sorted(message.idempotency_key or "" for message in sent) == sorted(
        f"order-{n}-confirmed" for n in range(1, 21)
    )


async def test_the_same_file_pushed_again_is_already_sent_unless_salted(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "sends.jsonl", sends(10))
    async with KanalSandbox(rate_limit=None) as sandbox:
        async with AsyncKanal(DEFAULT_API_KEY, base_url=sandbox.base_url, retry=PATIENT) as kanal:
            first = await kanal.templates.push_many(source)
            again = await kanal.templates.push_many(source)
            salted = await kanal.templates.push_many(source, key_salt="second campaign")
        sent = len(sandbox.messaging.sent)
    assert (first.counts[BulkOutcome.SENT], again.counts[BulkOutcome.ALREADY_SENT]) == (10, 10)
    assert salted.counts[BulkOutcome.SENT] == 10
    assert sent == 20


async def test_a_team_without_subscription_stops_the_run_like_a_refused_key() -> None:
    async with (
        KanalSandbox(rate_limit=None) as sandbox,
        AsyncKanal(OTHER_TEAM_API_KEY, base_url=sandbox.base_url) as kanal,
    ):
        report = await kanal.templates.push_many(sends(50), concurrency=1)
    assert report.counts[BulkOutcome.CREDENTIALS_REJECTED] == 1
    assert report.counts[BulkOutcome.SKIPPED] == 49
    assert report.stopped is not None
    assert "subscription" in report.stopped


async def test_automation_triggers_in_bulk_count_the_blocked_contacts(tmp_path: Path) -> None:
    rows = [{"phone_number": f"+336{n % 5:08d}", "variables": {"n": n}} for n in range(10)]
    rows.append({"phone_number": "+1"})
    source = write_jsonl(tmp_path / "triggers.jsonl", rows)
    async with KanalSandbox(rate_limit=None) as sandbox:
        async with AsyncKanal(DEFAULT_API_KEY, base_url=sandbox.base_url) as kanal:
            report = await kanal.automations.push_many(
                source, webhook_id=ACTIVE_WEBHOOK_ID, concurrency=1
            )
            missing = await kanal.automations.push_many([{"phone_number": "+33612345678"}])
        triggers = sandbox.messaging.triggers()
    assert report.counts[BulkOutcome.TRIGGERED] == 5
    assert report.counts[BulkOutcome.BLOCKED] == 5
    assert report.counts[BulkOutcome.REJECTED] == 1
    assert report.done == 10
    assert len(triggers) == 5
    assert missing.counts[BulkOutcome.REJECTED] == 1
