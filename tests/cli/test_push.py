"""``shopbridge push kanal`` and ``shopbridge demo``: exit statuses, the sandbox, the summary."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from shopbridge.karla.sandbox import DEFAULT_API_KEY as KARLA_API_KEY
from shopbridge.karla.sandbox import KarlaSandbox
from tests.kanal.bulk_data import invalid_order, order, read_jsonl, write_jsonl

if TYPE_CHECKING:
    from pathlib import Path


WIDE = {"COLUMNS": "200"}
"""rich draws to the width of the terminal: wide enough that no message is folded."""


def push(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["push", "kanal", *args], env={**WIDE, **(env or {})}, catch_exceptions=False
    )
    return result.exit_code, result.output


@pytest.fixture
def sandbox(kanal_sandbox: KanalSandbox) -> KanalSandbox:
    kanal_sandbox.set_rate_limit(None)
    return kanal_sandbox


def test_exit_status_0_when_every_record_is_done(sandbox: KanalSandbox, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(30)])
    status, output = push(
        "orders", str(source), "--store", "1", "--base-url", sandbox.base_url,
        env={"KANAL_API_KEY": DEFAULT_API_KEY},
    )  # fmt: skip
    assert status == 0, output
    assert len(sandbox.records(DEFAULT_STORE_ID, "orders")) == 30
    assert "What happened to every record" in output
    assert "kanal-201" in output
    assert DEFAULT_API_KEY not in output
    assert not (tmp_path / "orders.dead-letter.jsonl").exists()  # nothing to dead-letter


def test_exit_status_1_when_some_records_are_not_done(
    sandbox: KanalSandbox, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1), invalid_order(2), order(3)])
    status, output = push(
        "orders", str(source), "--store", "1", "--base-url", sandbox.base_url,
        "--api-key", DEFAULT_API_KEY,
    )  # fmt: skip
    assert status == 1, output
    dead_letter = tmp_path / "orders.dead-letter.jsonl"
    assert [row["external_id"] for row in read_jsonl(dead_letter)] == ["ORDER-2"]
    assert "The customer.phone field is required." in output
    assert "orders.dead-letter.jsonl" in output


def test_a_wrong_key_exits_1_and_says_the_run_stopped(
    sandbox: KanalSandbox, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(10)])
    status, output = push(
        "orders", str(source), "--store", "1", "--base-url", sandbox.base_url,
        "--api-key", "wrong-key", "--checkpoint", str(tmp_path / "cp.json"),
    )  # fmt: skip
    assert status == 1
    assert "stopped the run" in output
    assert sandbox.stats.requests == 1


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["orders", "{file}", "--store", "1"], {}, "no API key: set KANAL_API_KEY"),
        (["orders", "{file}"], {"KANAL_API_KEY": "k"}, "give the store with --store ID"),
        (["orders", "{dir}/missing.jsonl", "--store", "1"], {"KANAL_API_KEY": "k"}, "cannot read"),
        (["orders", "{dir}/orders.txt", "--store", "1"], {"KANAL_API_KEY": "k"}, "cannot tell"),
        (["refunds", "{file}", "--store", "1"], {"KANAL_API_KEY": "k"}, "'refunds' is not one"),
        (
            ["orders", "{file}", "--store", "1", "--base-url", "http://example.com/api/v1"],
            {"KANAL_API_KEY": "k"},
            "http",
        ),
        (["orders", "{file}", "--store", "1", "--concurrency", "0"], {"KANAL_API_KEY": "k"}, "0"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message_and_no_traceback(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1)])
    (tmp_path / "orders.txt").write_text("x\n")
    filled = [arg.format(file=source, dir=tmp_path) for arg in args]
    status, output = push(*filled, env=env)
    assert status == 2, output
    assert message in output
    assert "Traceback" not in output


def test_a_checkpoint_of_another_push_is_a_usage_error(
    sandbox: KanalSandbox, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1)])
    checkpoint = str(tmp_path / "cp.json")
    common = ["--store", "1", "--base-url", sandbox.base_url, "--checkpoint", checkpoint]
    env = {"KANAL_API_KEY": DEFAULT_API_KEY}
    assert push("orders", str(source), *common, env=env)[0] == 0
    status, output = push("customers", str(source), *common, env=env)
    assert status == 2
    assert "give another checkpoint path" in output


def test_sandbox_pushes_into_the_embedded_sandbox_without_key_or_store(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(20)])
    status, output = push("orders", str(source), "--sandbox")
    assert status == 0, output
    assert "Kanal sandbox running in this process" in output
    assert "20" in output


def test_a_csv_file_and_customer_deletions_from_stdin(tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text("external_id,phone,first_name\nCUST-1,+33612345678,Marie\nCUST-2,,Paul\n")
    status, output = push("customers", str(source), "--sandbox")
    assert status == 1  # CUST-2 has no phone
    assert "The phone field is required." in output
    result = CliRunner().invoke(
        main,
        [
            "push",
            "kanal",
            "customer-deletions",
            "-",
            "--sandbox",
            "--dead-letter",
            str(tmp_path / "d.jsonl"),
        ],
        input='{"external_id": "CUST-1"}\n',
        env=WIDE,
    )
    assert result.exit_code == 0, result.output


def test_python_m_shopbridge_push_runs_as_a_process(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1), invalid_order(2)])
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "shopbridge", "push", "kanal", "orders", str(source), "--sandbox"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    rows = read_jsonl(tmp_path / "orders.dead-letter.jsonl")
    assert rows[0]["_dead_letter"]["field_errors"]["customer.phone"]
    assert json.dumps(rows)  # the dead letter is plain JSON


@pytest.mark.timeout(90)
def test_demo_pushes_the_sample_shop_and_shows_what_the_table_did(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["demo", "--output", str(tmp_path)], env=WIDE, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    output = result.output
    assert "What happened to every record" in output
    assert "What the decision table did" in output
    for rule in ("kanal-201", "kanal-5xx", "kanal-429", "kanal-disconnected", "client-validation"):
        assert rule in output
    assert "line 122 is not valid JSON" in output
    for name in ("customers", "orders", "checkouts", "shipments"):
        rows = read_jsonl(tmp_path / f"{name}.dead-letter.jsonl")
        assert rows
        assert all(row["_dead_letter"]["outcome"] == "rejected" for row in rows)


def karla_upsert(number: int, zip_code: str = "10115") -> dict[str, object]:
    return {
        "id": str(number),
        "trackings": [],
        "order": {
            "order_number": str(number),
            "external_id": f"shopify-{number}",
            "address": {"zip_code": zip_code, "country_code": "DE"},
            "order_placed_at": "2026-05-18T10:00:00+00:00",
        },
    }


def test_push_karla_orders_into_the_embedded_sandbox(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [karla_upsert(n) for n in range(5)])
    result = CliRunner().invoke(main, ["push", "karla", "orders", str(good), "--sandbox"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "upserted" in result.output
    assert "Karla sandbox running in this process" in result.output
    bad = write_jsonl(tmp_path / "bad.jsonl", [karla_upsert(1), karla_upsert(2, zip_code="??")])
    result = CliRunner().invoke(main, ["push", "karla", "orders", str(bad), "--sandbox"], env=WIDE)
    assert result.exit_code == 1, result.output
    assert "karla-zip_code_invalid" in result.output
    (row,) = read_jsonl(tmp_path / "bad.dead-letter.jsonl")
    assert row["_dead_letter"]["status"] == 422


def test_push_karla_creates_and_its_usage_errors(
    karla_sandbox: KarlaSandbox, tmp_path: Path
) -> None:
    discounts = write_jsonl(
        tmp_path / "discounts.jsonl",
        [{"type": "order", "code": "A", "value_type": "percentage", "value": 10}],
    )
    args = ["push", "karla", "discounts", str(discounts), "--base-url", karla_sandbox.base_url]
    missing_shop = CliRunner().invoke(main, args, env={**WIDE, "KARLA_API_KEY": "k"})
    assert missing_shop.exit_code == 2
    assert "give the shop with --shop SLUG" in missing_shop.output
    missing_key = CliRunner().invoke(main, [*args, "--shop", "sandbox-shop"], env=WIDE)
    assert missing_key.exit_code == 2
    assert "KARLA_API_KEY" in missing_key.output
    env = {**WIDE, "KARLA_API_KEY": KARLA_API_KEY}
    first = CliRunner().invoke(main, [*args, "--shop", "sandbox-shop"], env=env)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(main, [*args, "--shop", "sandbox-shop"], env=env)
    assert again.exit_code == 1  # the discount exists now: a conflict, dead-lettered
    assert "conflict" in again.output


def test_push_karla_products_from_a_pim_csv_into_the_embedded_sandbox(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "product_id,variant_id,title,variant_title,price,translations.de.title\n"
        "MUG,MUG-BLUE,Mug,Blue,12.90,Becher\n"
        "MUG,MUG-RED,Mug,Red,twelve,Becher\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["push", "karla", "products", str(catalogue), "--sandbox"], env=WIDE
    )
    assert result.exit_code == 1, result.output
    assert "upserted" in result.output
    (row,) = read_jsonl(tmp_path / "catalogue.dead-letter.jsonl")
    assert row["variant_id"] == "MUG-RED"
    assert row["_dead_letter"]["field_errors"] == {
        "price": ["Input should be a valid number, unable to parse string as a number"]
    }


def test_a_full_disk_exits_3_with_the_report_and_a_clear_message(
    sandbox: KanalSandbox, small_disk: Path, tmp_path: Path
) -> None:
    (small_disk / "filler").write_bytes(b"\0" * 56 * 1024)
    source = write_jsonl(tmp_path / "orders.jsonl", [invalid_order(n) for n in range(60)])
    status, output = push(
        "orders", str(source), "--store", "1", "--base-url", sandbox.base_url,
        "--dead-letter", str(small_disk / "dead.jsonl"),
        env={"KANAL_API_KEY": DEFAULT_API_KEY},
    )  # fmt: skip
    assert status == 3, output
    assert "could not be written: No space left on device" in output
    assert "What happened to every record" in output  # the report, all the same
    assert "Traceback" not in output
    rows = (small_disk / "dead.jsonl").read_bytes().splitlines(keepends=True)
    assert all(row.endswith(b"\n") for row in rows)
    assert [json.loads(row)["external_id"] for row in rows] == [
        f"ORDER-{n}" for n in range(len(rows))
    ]


def test_a_checkpoint_in_a_missing_directory_is_a_usage_error_before_sending(
    sandbox: KanalSandbox, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(3)])
    status, output = push(
        "orders", str(source), "--store", "1", "--base-url", sandbox.base_url,
        "--checkpoint", str(tmp_path / "missing" / "cp.json"),
        env={"KANAL_API_KEY": DEFAULT_API_KEY},
    )  # fmt: skip
    assert status == 2, output
    assert "No such file or directory" in output
    assert sandbox.stats.requests == 0
