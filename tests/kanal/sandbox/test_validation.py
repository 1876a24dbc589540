"""The Kanal sandbox refuses invalid records with Laravel's 422 body."""

from __future__ import annotations

import orjson
import pytest

from tests.kanal.sandbox.support import ORDER, Api

pytestmark = pytest.mark.anyio


async def test_the_seed_422_example_exactly(api: Api) -> None:
    answer = await api.call("POST", "/stores/1/orders", {**ORDER, "customer": {"first_name": "M"}})
    assert answer.status == 422
    assert answer.body == {
        "message": "The customer.phone field is required.",
        "errors": {"customer.phone": ["The customer.phone field is required."]},
    }
    assert api.sandbox.records(1, "orders") == {}


async def test_several_errors_are_summarised(api: Api) -> None:
    answer = await api.call("POST", "/stores/1/shipments", {"status": "lost"})
    assert answer.body == {
        "message": "The external id field is required. (and 2 more errors)",
        "errors": {
            "external_id": ["The external id field is required."],
            "order_external_id": ["The order external id field is required."],
            "status": ["The selected status is invalid."],
        },
    }


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"not json", "application/json"),
        (b'["a list"]', "application/json"),
        (b'"a string"', "application/json"),
        (b"", "application/json"),
        (orjson.dumps({"phone": "+33612345678"}), "text/plain"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_empty_input(
    api: Api, raw: bytes, content_type: str
) -> None:
    answer = await api.call(
        "POST", "/stores/1/customers", raw=raw, headers={"Content-Type": content_type}
    )
    assert (answer.status, answer.body) == (
        422,
        {
            "message": "The phone field is required.",
            "errors": {"phone": ["The phone field is required."]},
        },
    )
