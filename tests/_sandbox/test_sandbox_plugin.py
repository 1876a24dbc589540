"""The pytest plugin's fixtures (shopbridge.testing), used here exactly as users use them."""

from __future__ import annotations

import http.client
import subprocess
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import pytest

from shopbridge.kanal.sandbox import DEFAULT_API_KEY, KanalSandbox

if TYPE_CHECKING:
    from collections.abc import Callable

HEADERS = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "Content-Type": "application/json"}


def _send(base_url: str, method: str, path: str, body: bytes | None = None) -> int:
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request(method, parts.path + path, body=body, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_kanal_sandbox_serves_a_sync_test(kanal_sandbox: KanalSandbox) -> None:
    assert _send(kanal_sandbox.base_url, "POST", "/stores/1/customers", b'{"phone": "+336"}') == 201
    assert kanal_sandbox.writes(1, "customers", "+336") == 1


@pytest.mark.anyio
async def test_kanal_sandbox_serves_an_async_test(kanal_sandbox: KanalSandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{kanal_sandbox.base_url}/stores/1/customers", json={"phone": "+336"}, headers=HEADERS
        ) as response,
    ):
        assert response.status == 201


def test_kanal_sandbox_is_fresh_for_each_test(kanal_sandbox: KanalSandbox) -> None:
    assert kanal_sandbox.records(1, "customers") == {}
    assert kanal_sandbox.stats.requests == 0


def test_kanal_sandbox_has_no_rate_limit_by_default(kanal_sandbox: KanalSandbox) -> None:
    # 70 requests go through at once: Kanal's real 60 per 60 s would answer the 61st with 429.
    statuses = {
        _send(kanal_sandbox.base_url, "POST", "/stores/1/customers", b'{"phone": "+336"}')
        for _ in range(70)
    }
    assert statuses == {200, 201}


def test_kanal_sandbox_rate_limited_has_kanals_real_limit(
    kanal_sandbox_rate_limited: KanalSandbox,
) -> None:
    base_url = kanal_sandbox_rate_limited.base_url
    statuses = [
        _send(base_url, "POST", "/stores/1/customers", b'{"phone": "+336"}') for _ in range(61)
    ]
    assert statuses[:60].count(429) == 0
    assert statuses[60] == 429


def test_the_factory_passes_options(kanal_sandbox_factory: Callable[..., KanalSandbox]) -> None:
    strict = kanal_sandbox_factory(missing_delete=404, rate_limit=None)
    faulty = kanal_sandbox_factory(faults="503=1")
    assert strict.port != faulty.port
    assert _send(strict.base_url, "DELETE", "/stores/1/customers/NOPE") == 404
    assert _send(faulty.base_url, "DELETE", "/stores/1/customers/NOPE") == 503


def test_the_plugin_import_is_light() -> None:
    """pytest loads the plugin in every run of a project that installs shopbridge."""
    code = (
        "import sys, shopbridge.testing; "
        "heavy = {'aiohttp.web', 'shopbridge._sandbox.server', 'shopbridge.kanal.sandbox'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "[]"
