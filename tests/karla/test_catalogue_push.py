"""``products.push_many``: a catalogue upserted in batches, every variant with its own outcome."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from aiohttp import web

from shopbridge.core._errors import ConfigurationError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.karla import AsyncKarla
from shopbridge.karla.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    EXPIRED_API_KEY,
    KarlaSandbox,
)
from tests.kanal.bulk_data import read_jsonl, write_jsonl

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

pytestmark = pytest.mark.anyio

PATIENT = RetryPolicy(
    max_attempts=20, deadline=60, attempt_timeout=10, backoff_base=0.01, backoff_max=0.05
)


def variant(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "product_id": f"P{number // 4}",
        "variant_id": f"V{number}",
        "title": f"Product {number // 4}",
        "price": "19.90",
        "sku": f"SKU-{number}",
        **fields,
    }


def client(base_url: str, *, api_key: str = DEFAULT_API_KEY, validate: bool = True) -> AsyncKarla:
    return AsyncKarla(
        DEFAULT_USERNAME,
        api_key,
        DEFAULT_SHOP,
        base_url=base_url,
        retry=PATIENT,
        validate=validate,
        allow_insecure_http=True,
    )


def variants_held(sandbox: KarlaSandbox, count: int) -> int:
    return sum(
        sandbox.find_variant(DEFAULT_SHOP, f"P{n // 4}", f"V{n}") is not None for n in range(count)
    )


async def test_variants_go_in_batches_of_the_batch_size() -> None:
    async with KarlaSandbox() as sandbox, client(sandbox.base_url) as karla:
        report = await karla.products.push_many([variant(n) for n in range(250)], batch_size=100)
        requests = sandbox.stats.requests
        held = variants_held(sandbox, 250)

    assert report.counts[BulkOutcome.UPSERTED] == 250
    assert report.total == 250
    assert requests == 3
    assert held == 250


async def test_a_variant_the_client_refuses_is_rejected_alone_and_its_batch_still_sent(
    tmp_path: Path,
) -> None:
    records = [variant(n) for n in range(40)]
    records[7] = variant(7, price="nineteen")
    dead_letter = tmp_path / "dead.jsonl"
    async with KarlaSandbox() as sandbox, client(sandbox.base_url) as karla:
        report = await karla.products.push_many(records, batch_size=20, dead_letter=dead_letter)
        requests = sandbox.stats.requests
        held = variants_held(sandbox, 40)

    assert report.counts[BulkOutcome.UPSERTED] == 39
    assert report.counts[BulkOutcome.REJECTED] == 1
    assert requests == 2
    assert held == 39
    (row,) = read_jsonl(dead_letter)
    assert row["variant_id"] == "V7"
    assert row["_dead_letter"]["attempts"] == 0
    assert row["_dead_letter"]["field_errors"] == {
        "price": ["Input should be a valid number, unable to parse string as a number"]
    }


async def test_a_variant_karla_refuses_is_rejected_with_its_own_errors_and_the_rest_resent(
    tmp_path: Path,
) -> None:
    records = [variant(n) for n in range(30)]
    records[12] = variant(12, translations={"de": {"name": "Becher"}})
    dead_letter = tmp_path / "dead.jsonl"
    async with (
        KarlaSandbox() as sandbox,
        client(sandbox.base_url, validate=False) as karla,
    ):
        report = await karla.products.push_many(records, batch_size=30, dead_letter=dead_letter)
        requests = sandbox.stats.requests
        held = variants_held(sandbox, 30)

    assert report.counts[BulkOutcome.UPSERTED] == 29
    assert report.counts[BulkOutcome.REJECTED] == 1
    assert requests == 2  # the batch, then the 29 the 422 did not name
    assert held == 29
    (row,) = read_jsonl(dead_letter)
    assert row["variant_id"] == "V12"
    assert row["_dead_letter"]["status"] == 422
    assert row["_dead_letter"]["rule"] == "karla-422"
    assert row["_dead_letter"]["field_errors"] == {"translations.de.title": ["Field required"]}


@pytest.fixture
async def refusing() -> AsyncIterator[Callable[[Callable[[list[Any]], int]], Any]]:
    """A bulk endpoint on loopback that refuses the batches `refuse` gives a status for."""
    runners: list[web.AppRunner] = []
    sizes: list[int] = []

    async def serve(refuse: Callable[[list[Any]], int]) -> tuple[str, list[int]]:
        async def products(request: web.Request) -> web.Response:
            batch = orjson.loads(await request.read())
            sizes.append(len(batch))
            status = refuse(batch)
            if status == 200:
                return web.json_response(batch)
            return web.json_response({"detail": "refused as a whole"}, status=status)

        app = web.Application()
        app.router.add_post(f"/v1/shops/{DEFAULT_SHOP}/products", products)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/v1", sizes

    yield serve
    for runner in runners:
        await runner.cleanup()


async def test_a_refusal_that_names_no_variant_is_bisected_down_to_the_bad_one(
    refusing: Any, tmp_path: Path
) -> None:
    def poisoned(batch: list[Any]) -> int:
        return 422 if any(item["sku"] == "POISON" for item in batch) else 200

    base_url, sizes = await refusing(poisoned)
    records = [variant(n) for n in range(8)]
    records[5] = variant(5, sku="POISON")
    dead_letter = tmp_path / "dead.jsonl"
    async with client(base_url) as karla:
        report = await karla.products.push_many(records, batch_size=8, dead_letter=dead_letter)

    assert report.counts[BulkOutcome.UPSERTED] == 7
    assert report.counts[BulkOutcome.REJECTED] == 1
    assert sizes == [8, 4, 4, 2, 1, 1, 2]
    (row,) = read_jsonl(dead_letter)
    assert row["sku"] == "POISON"
    assert row["_dead_letter"]["status"] == 422


async def test_a_batch_too_large_is_halved_until_it_fits(refusing: Any) -> None:
    base_url, sizes = await refusing(lambda batch: 413 if len(batch) > 3 else 200)
    async with client(base_url) as karla:
        report = await karla.products.push_many([variant(n) for n in range(10)], batch_size=10)

    assert report.counts[BulkOutcome.UPSERTED] == 10
    assert sizes[0] == 10
    assert sum(size for size in sizes if size <= 3) == 10


async def test_a_catalogue_pushed_through_faults_and_again_is_held_once(tmp_path: Path) -> None:
    records = [variant(n) for n in range(400)]
    source = write_jsonl(tmp_path / "catalogue.jsonl", records)
    checkpoint = tmp_path / "cp.json"
    faults = "500=0.1,502=0.1,drop_before=0.05,drop_after=0.1"
    async with KarlaSandbox(faults=faults, seed=3) as sandbox, client(sandbox.base_url) as karla:
        first = await karla.products.push_many(source, checkpoint=checkpoint, batch_size=50)
        again = await karla.products.push_many(source, batch_size=50)  # no checkpoint: all sent
        resumed = await karla.products.push_many(source, checkpoint=checkpoint, batch_size=50)
        held = variants_held(sandbox, 400)
        products = [sandbox.find_product(DEFAULT_SHOP, f"P{n}") for n in range(100)]
        faults_met = sandbox.stats.faults

    assert first.counts[BulkOutcome.UPSERTED] == 400
    assert again.counts[BulkOutcome.UPSERTED] == 400
    assert resumed.resumed_from == 400
    assert held == 400
    assert all(product is not None and len(product["variants"]) == 4 for product in products)
    assert faults_met["drop_after"] > 0


async def test_a_csv_export_maps_dotted_columns_onto_translations(tmp_path: Path) -> None:
    source = tmp_path / "pim.csv"
    source.write_text(
        "product_id,variant_id,title,variant_title,price,translations.de.title,"
        "translations.fr.title\n"
        "MUG,MUG-BLUE,Mug,Blue,12.90,Becher,Tasse\n"
        "MUG,MUG-RED,Mug,Red,12.90,Becher,\n",
        encoding="utf-8",
    )
    async with KarlaSandbox() as sandbox, client(sandbox.base_url) as karla:
        report = await karla.products.push_many(source)
        blue = sandbox.find_variant(DEFAULT_SHOP, "MUG", "MUG-BLUE")
        red = sandbox.find_variant(DEFAULT_SHOP, "MUG", "MUG-RED")

    assert report.counts[BulkOutcome.UPSERTED] == 2
    assert blue is not None
    assert red is not None
    assert blue["translations"] == {"de": {"title": "Becher"}, "fr": {"title": "Tasse"}}
    assert red["translations"] == {"de": {"title": "Becher"}}
    assert blue["price"] == 12.9


async def test_an_expired_key_stops_the_catalogue_and_the_fixed_key_resumes_it(
    tmp_path: Path,
) -> None:
    checkpoint = tmp_path / "cp.json"
    records = [variant(n) for n in range(60)]
    async with KarlaSandbox() as sandbox:
        async with client(sandbox.base_url, api_key=EXPIRED_API_KEY) as karla:
            stopped = await karla.products.push_many(records, checkpoint=checkpoint, batch_size=10)
        requests = sandbox.stats.requests
        position = json.loads(checkpoint.read_bytes())["position"]
        async with client(sandbox.base_url) as karla:
            resumed = await karla.products.push_many(records, checkpoint=checkpoint, batch_size=10)
        held = variants_held(sandbox, 60)

    assert requests == 1
    assert stopped.stopped is not None
    assert stopped.counts[BulkOutcome.CREDENTIALS_REJECTED] >= 1
    assert (
        stopped.counts[BulkOutcome.CREDENTIALS_REJECTED] + stopped.counts[BulkOutcome.SKIPPED] == 60
    )
    assert position == 0
    assert resumed.counts[BulkOutcome.UPSERTED] == 60
    assert held == 60


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch_size must be a whole number >= 1, got 0"),
        ({"concurrency": 0}, "concurrency must be a whole number >= 1, got 0"),
        (
            {"batch_size": 100, "concurrency": 8, "max_pending": 500},
            "max_pending (500) must be at least concurrency x batch_size (8 x 100 = 800",
        ),
    ],
)
async def test_batch_options_out_of_range_are_refused(
    options: dict[str, Any], message: str
) -> None:
    async with KarlaSandbox() as sandbox, client(sandbox.base_url) as karla:
        with pytest.raises(ConfigurationError) as refused:
            await karla.products.push_many([variant(0)], **options)
        assert sandbox.stats.requests == 0
    assert message in str(refused.value)
