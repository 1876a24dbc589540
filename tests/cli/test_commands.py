"""The commands of the ``shopbridge`` CLI that are not the sandbox's (tested in tests/_sandbox)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shopbridge import KANAL_TABLE, KARLA_TABLE, DecisionTable
from shopbridge.cli._commands import main
from shopbridge.kanal import KANAL_MESSAGING_TABLE


@pytest.mark.parametrize(
    ("api", "table"),
    [("kanal", KANAL_TABLE), ("kanal-messaging", KANAL_MESSAGING_TABLE), ("karla", KARLA_TABLE)],
)
def test_table_prints_the_decision_table_as_markdown(api: str, table: DecisionTable) -> None:
    result = CliRunner().invoke(main, ["table", api])
    assert result.exit_code == 0
    assert result.output == table.to_markdown()


def test_table_of_an_unknown_api_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["table", "shopify"])
    assert result.exit_code == 2
    assert "'shopify' is not one of 'kanal', 'kanal-messaging', 'karla'" in result.output


def test_quickstart_calls_every_endpoint_and_prints_each_verdict() -> None:
    result = CliRunner().invoke(main, ["quickstart"])
    assert result.exit_code == 0, result.output
    output = result.output
    for rule in ("[kanal-201]", "[kanal-200]", "[kanal-204]", "[kanal-404]"):
        assert rule in output
    for call in (
        "customers.upsert",
        "orders.upsert",
        "orders.update",
        "checkouts.upsert",
        "checkouts.update",
        "shipments.upsert",
        "customers.delete",
    ):
        assert call in output
    assert "ValidationError: FIX_PAYLOAD [client-validation]" in output
    assert "customer.phone: The customer.phone field is required." in output
    assert "waited" in output  # the pacer waited for the 1 s window
    assert "WAIT_RETRY_AFTER" not in output  # ... and met no 429
    assert "sandbox-key" not in output
