"""The raw answer on success: `Upserted.response` and `Created.response` (status, headers, id)."""

from __future__ import annotations

import copy
import pickle

import attrs
import pytest

from shopbridge import Response
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from shopbridge.karla import AsyncKarla, ShopCreate
from shopbridge.karla.sandbox import DEFAULT_API_KEY as KARLA_KEY
from shopbridge.karla.sandbox import DEFAULT_SHOP, KarlaSandbox
from tests.kanal.bulk_data import order

pytestmark = pytest.mark.anyio


async def test_an_upsert_carries_its_raw_answer(kanal_sandbox: KanalSandbox) -> None:
    async with AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as k:
        first = await k.orders.upsert(order(1))
        again = await k.orders.upsert(order(1))
    assert first.response is not None
    assert again.response is not None
    assert (first.response.status, again.response.status) == (201, 200)
    assert type(first.response.headers) is dict  # a copy, never the transport's multidict
    assert first.response.headers["Content-Type"].startswith("application/json")
    assert first.response.request_id is None  # the sandbox sends no request id


def test_a_blocking_upsert_carries_its_raw_answer_and_pickles_with_it(
    kanal_sandbox: KanalSandbox,
) -> None:
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        upserted = kanal.orders.upsert(order(1))
    assert upserted.response is not None
    back = pickle.loads(pickle.dumps(upserted))  # noqa: S301 - our own bytes
    assert back.response == upserted.response
    assert back == upserted
    assert copy.deepcopy(upserted.response) == upserted.response


def test_upserted_equality_ignores_the_raw_answer(kanal_sandbox: KanalSandbox) -> None:
    with Kanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=kanal_sandbox.base_url) as kanal:
        upserted = kanal.orders.upsert(order(1))
    without = pickle.loads(pickle.dumps(upserted))  # noqa: S301 - our own bytes
    object.__setattr__(without, "response", None)
    assert without == upserted
    assert hash(without) == hash(upserted)
    assert "response" not in repr(upserted)


async def test_a_karla_create_carries_its_raw_answer(karla_sandbox: KarlaSandbox) -> None:
    async with AsyncKarla(
        username=DEFAULT_SHOP, api_key=KARLA_KEY, shop_slug=DEFAULT_SHOP,
        base_url=karla_sandbox.base_url,
    ) as karla:  # fmt: skip
        created = await karla.shops.create(
            ShopCreate(name="New", slug="new-shop", organization="org", klaviyo_enabled=False)
        )
    assert created.response is not None
    assert created.response.status == 200  # Karla answers a shop create 200
    assert created.response.request_id is None
    back = pickle.loads(pickle.dumps(created))  # noqa: S301 - our own bytes
    assert back == created
    assert back.response == created.response
    assert attrs.evolve(created, response=None) == created


def test_a_response_is_a_plain_frozen_value() -> None:
    response = Response(status=201, headers={"X-Request-Id": "r-1"}, request_id="r-1")
    assert pickle.loads(pickle.dumps(response)) == response  # noqa: S301 - our own bytes
    assert "X-Request-Id" not in repr(response)
