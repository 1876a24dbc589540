"""``shopbridge push kanal template-messages|automation-triggers``: no --store needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.kanal.sandbox import ACTIVE_WEBHOOK_ID, DEFAULT_API_KEY, KanalSandbox
from tests.kanal.bulk_data import read_jsonl, write_jsonl

if TYPE_CHECKING:
    from pathlib import Path

WIDE = {"COLUMNS": "200", "KANAL_API_KEY": DEFAULT_API_KEY}


def push(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["push", "kanal", *args], env=WIDE, catch_exceptions=False)
    return result.exit_code, result.output


def test_template_messages_are_sent_once_and_the_invalid_dead_lettered(
    kanal_sandbox: KanalSandbox, tmp_path: Path
) -> None:
    rows = [{"template_id": 1236, "phone_number": f"+3361234{n:04d}"} for n in range(5)]
    rows.append({"template_id": 1236, "phone_number": "+12"})
    source = write_jsonl(tmp_path / "sends.jsonl", rows)
    status, output = push("template-messages", str(source), "--base-url", kanal_sandbox.base_url)
    assert status == 1, output
    assert "kanal-messaging-200" in output
    assert DEFAULT_API_KEY not in output
    dead = read_jsonl(tmp_path / "sends.dead-letter.jsonl")
    assert [row["phone_number"] for row in dead] == ["+12"]
    _, output = push("template-messages", str(source), "--base-url", kanal_sandbox.base_url)
    assert "already sent" in output
    assert len(kanal_sandbox.messaging.sent) == 5


def test_automation_triggers_take_their_webhook_from_each_record(
    kanal_sandbox: KanalSandbox, tmp_path: Path
) -> None:
    rows = [{"webhook_id": ACTIVE_WEBHOOK_ID, "phone_number": "+33612345678"}] * 2
    source = write_jsonl(tmp_path / "triggers.jsonl", rows)
    status, output = push("automation-triggers", str(source), "--sandbox")
    assert status == 0, output
    assert "triggered" in output
    assert "blocked" in output


def test_a_commerce_push_still_needs_a_store(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [{"external_id": "1"}])
    status, output = push("orders", str(source))
    assert status == 2
    assert "--store" in output


def test_a_key_column_names_each_sends_idempotency_key_and_a_salt_sends_again(
    kanal_sandbox: KanalSandbox, tmp_path: Path
) -> None:
    rows = [
        {"send_id": f"S-{n}", "template_id": 1236, "phone_number": f"+3361234{n:04d}"}
        for n in range(3)
    ]
    source = write_jsonl(tmp_path / "sends.jsonl", rows)
    url = kanal_sandbox.base_url
    status, output = push(
        "template-messages", str(source), "--base-url", url, "--key-column", "send_id"
    )
    assert status == 0, output
    keys = {message.idempotency_key for message in kanal_sandbox.messaging.sent}
    assert keys == {"S-0", "S-1", "S-2"}
    status, output = push(
        "template-messages", str(source), "--base-url", url, "--key-column", "send_id"
    )
    assert "already sent" in output
    assert len(kanal_sandbox.messaging.sent) == 3
    derived = write_jsonl(
        tmp_path / "plain.jsonl", [{k: v for k, v in r.items() if k != "send_id"} for r in rows]
    )
    push("template-messages", str(derived), "--base-url", url)
    push("template-messages", str(derived), "--base-url", url, "--key-salt", "again")
    assert len(kanal_sandbox.messaging.sent) == 9


def test_messaging_options_go_with_their_resource_only(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [{"external_id": "1"}])
    status, output = push("orders", str(source), "--store", "1", "--key-column", "id")
    assert status == 2
    assert "--key-column and --key-salt go with template-messages only" in output
    status, output = push("template-messages", str(source), "--webhook", "W")
    assert status == 2
    assert "--webhook goes with automation-triggers only" in output
