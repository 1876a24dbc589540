"""A Karla CSV push, where every cell is a string, as FastAPI's lax mode reads it: end to end."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.karla.sandbox import DEFAULT_SHOP, KarlaSandbox
from tests.karla.conftest import client

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.anyio

HEADER = (
    "id,order.order_number,order.external_id,order.address.zip_code,order.address.country_code,"
    "order.total_order_price,order.shipping_price,order.expected_number_of_shipments,"
    "order.order_placed_at,order.products.0.title,order.products.0.quantity,"
    "order.products.0.price,trackings.0.tracking_number,trackings.0.carrier_reference,"
    "trackings.0.tracking_placed_at"
)


def _csv(tmp_path: Path, rows: int) -> Path:
    lines = [HEADER] + [
        f"{number},{number},shop-{number},10115,DE,49.90,4.90,1,1706539727,"
        f"Mug,2,22.50,T-{number},dhl,2024-01-29t15:00:00z"
        for number in range(1, rows + 1)
    ]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_a_csv_of_string_cells_is_upserted_record_by_record(tmp_path: Path) -> None:
    source = _csv(tmp_path, 3)
    async with KarlaSandbox() as sandbox, client(sandbox) as karla:
        report = await karla.orders.push_many(source, dead_letter=tmp_path / "dead.jsonl")
        order = sandbox.find_order(DEFAULT_SHOP, "2")

    assert report.counts[BulkOutcome.UPSERTED] == 3
    assert report.total == 3
    assert not (tmp_path / "dead.jsonl").exists() or not (tmp_path / "dead.jsonl").read_text()
    assert order is not None
    assert order["total_order_price"] == 49.9
    assert order["order_placed_at"] == "2024-01-29T14:48:47+00:00"
    assert order["products"][0]["quantity"] == 2


def test_shopbridge_push_karla_orders_of_a_csv_succeeds(
    karla_sandbox: KarlaSandbox, tmp_path: Path
) -> None:
    source = _csv(tmp_path, 2)
    args = ["push", "karla", "orders", str(source), "--base-url", karla_sandbox.base_url]
    result = CliRunner().invoke(
        main,
        [*args, "--shop", DEFAULT_SHOP],
        env={"COLUMNS": "200", "KARLA_API_KEY": "sandbox-key"},
    )

    assert result.exit_code == 0, result.output
    assert "upserted" in result.output
    assert karla_sandbox.find_order(DEFAULT_SHOP, "1") is not None
