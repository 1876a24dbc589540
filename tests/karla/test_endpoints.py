"""Karla's endpoints as data: what Karla deduplicates, what it refuses twice, each one once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core.sansio._paths import path_names
from shopbridge.karla._endpoints import ENDPOINTS

if TYPE_CHECKING:
    from shopbridge.core._endpoint import Endpoint

PATH_PARAMETERS = {
    "shop",
    "order_id",
    "shipment_id",
    "uuid",
    "image_type",
    "position",
    "product_id",
    "variant_id",
    "org",
}
# The catalogue's bulk upsert is a POST keyed by each variant's ids: Karla holds it once.
POST_UPSERTS = {"products.bulk_upsert"}


def test_every_endpoint_is_described_once() -> None:
    names = [endpoint.name for endpoint in ENDPOINTS]

    assert len(names) == len(set(names))
    assert len({(e.method, e.path) for e in ENDPOINTS}) == len(ENDPOINTS)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_post_is_the_one_method_karla_does_not_deduplicate(endpoint: Endpoint[Any]) -> None:
    assert endpoint.idempotent is (endpoint.method != "POST" or endpoint.name in POST_UPSERTS)
    if endpoint.create:
        assert endpoint.method == "POST"
        assert endpoint.name.rsplit(".", 1)[1] in {"create", "place"}
    assert set(path_names(endpoint.path)) <= PATH_PARAMETERS


def test_only_the_bulk_upserts_take_a_list() -> None:
    assert [endpoint.name for endpoint in ENDPOINTS if endpoint.many] == [
        "orders.bulk_upsert",
        "products.bulk_upsert",
    ]


def test_the_only_post_karla_deduplicates_is_the_catalogues_bulk_upsert() -> None:
    assert {e.name for e in ENDPOINTS if e.method == "POST" and e.idempotent} == POST_UPSERTS
