"""The Kanal sandbox routes on the raw path: Laravel's 404 and 405, one segment per external_id."""

from __future__ import annotations

import pytest

from tests.kanal.sandbox.support import ORDER, Api

pytestmark = pytest.mark.anyio


async def test_unknown_route_is_laravel_not_found(api: Api) -> None:
    for path in ("/stores/1/refunds", "/stores/1/shipments/SHIP-1", "/stores/1", "/nothing"):
        answer = await api.call("POST", path, {})
        assert (answer.status, answer.body) == (404, {"message": "Not Found"}), path


async def test_wrong_method_is_laravel_method_not_allowed(api: Api) -> None:
    answer = await api.call("GET", "/stores/1/orders", key=None)
    assert answer.status == 405
    assert answer.body == {
        "message": "The GET method is not supported for route api/v1/stores/1/orders. "
        "Supported methods: POST."
    }
    assert answer.headers["Allow"] == "POST"
    patch = await api.call("POST", "/stores/1/customers/CUST-1")
    assert patch.body["message"].endswith("Supported methods: DELETE.")


@pytest.mark.parametrize(
    ("external_id", "encoded"),
    [
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("a b", "a%20b"),
        ("..", "%2E%2E"),
        ("100%", "100%25"),
        ("café", "caf%C3%A9"),
    ],
)
async def test_encoded_external_id_is_one_path_segment(
    api: Api, external_id: str, encoded: str
) -> None:
    assert (
        await api.call("POST", "/stores/1/orders", {**ORDER, "external_id": external_id})
    ).status == 201
    answer = await api.call("PATCH", f"/stores/1/orders/{encoded}", {"financial_status": "paid"})
    assert (answer.status, answer.body["external_id"]) == (200, external_id)
    assert api.sandbox.writes(1, "orders", external_id) == 2


async def test_unencoded_slash_is_another_route(api: Api) -> None:
    await api.call("POST", "/stores/1/orders", {**ORDER, "external_id": "a/b"})
    answer = await api.call("PATCH", "/stores/1/orders/a/b", {"financial_status": "paid"})
    assert (answer.status, answer.body) == (404, {"message": "Not Found"})
