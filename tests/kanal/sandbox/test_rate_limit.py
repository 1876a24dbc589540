"""The Kanal sandbox limits each store to a fixed window, with Laravel's headers and 429."""

from __future__ import annotations

import anyio
import pytest

from shopbridge.kanal.sandbox import OTHER_TEAM_API_KEY, RateLimit
from tests.kanal.sandbox.support import CUSTOMER, Serve

pytestmark = pytest.mark.anyio


async def test_rate_limit_headers_and_the_429(serve: Serve) -> None:
    api = await serve(rate_limit=RateLimit(limit=2, window=1))
    remaining = [
        (await api.call("POST", "/stores/1/customers", CUSTOMER)).headers["X-RateLimit-Remaining"]
        for _ in range(2)
    ]
    assert remaining == ["1", "0"]
    refused = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert (refused.status, refused.body) == (429, {"message": "Too Many Attempts."})
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "1"
    assert int(refused.headers["X-RateLimit-Reset"]) >= 1_000_000_000
    # Another store has its own window.
    other = await api.call("POST", "/stores/3/customers", CUSTOMER, key=OTHER_TEAM_API_KEY)
    assert (other.status, other.headers["X-RateLimit-Remaining"]) == (201, "1")
    assert api.sandbox.writes(1, "customers", "CUST-42") == 2
    await anyio.sleep(1.05)
    after = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert (after.status, after.headers["X-RateLimit-Remaining"]) == (200, "1")


async def test_no_rate_limit_means_no_headers(serve: Serve) -> None:
    api = await serve(rate_limit=None)
    answer = await api.call("POST", "/stores/1/customers", CUSTOMER)
    assert answer.status == 201
    assert "X-RateLimit-Limit" not in answer.headers
