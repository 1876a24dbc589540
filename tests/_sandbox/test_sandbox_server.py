"""The sandbox server: lifecycle, the background-thread form, inspection routes and stats."""

from __future__ import annotations

import http.client
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import orjson
import pytest

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, KanalSandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

ORDER = {
    "external_id": "A/1",
    "placed_at": "2026-05-18T10:00:00Z",
    "total_price": 10,
    "customer": {"phone": "+33612345678"},
}
CUSTOMER = {"external_id": "CUST-1", "phone": "+33612345678"}


def _request(
    url: str, method: str = "GET", body: Any = None, *, key: str | None = DEFAULT_API_KEY
) -> tuple[int, Any]:
    """One blocking HTTP request with the standard library; returns the status and JSON body."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    try:
        connection.request(
            method,
            parts.path,
            body=None if body is None else orjson.dumps(body),
            headers=headers,
        )
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    return response.status, orjson.loads(content) if content else None


# -- lifecycle ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_it_listens_on_loopback_with_the_api_base_url() -> None:
    sandbox = KanalSandbox()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.base_url
    async with sandbox:
        assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}/api/v1"
        assert sandbox.port > 0
        assert repr(sandbox) == f"<KanalSandbox {sandbox.base_url}>"
        with pytest.raises(RuntimeError, match="already running"):
            await sandbox.start()
    assert repr(sandbox) == "<KanalSandbox not running>"
    await sandbox.stop()  # idempotent


@pytest.mark.anyio
async def test_a_taken_port_is_an_os_error() -> None:
    async with KanalSandbox() as first:
        with pytest.raises(OSError, match="address already in use"):
            await KanalSandbox(port=first.port).start()


def test_running_in_thread_serves_blocking_callers() -> None:
    with KanalSandbox().running_in_thread() as sandbox:
        status, body = _request(f"{sandbox.base_url}/stores/1/orders", "POST", ORDER)
        assert (status, body["external_id"]) == (201, "A/1")
        assert sandbox.writes(1, "orders", "A/1") == 1
        root = sandbox.root_url
    with pytest.raises(ConnectionRefusedError):
        _request(f"{root}/_sandbox/stats")


def test_running_in_thread_reports_a_failed_start() -> None:
    with KanalSandbox().running_in_thread() as first:
        taken = KanalSandbox(port=first.port)
        with pytest.raises(OSError, match="address already in use"):
            taken.running_in_thread().__enter__()


@pytest.mark.anyio
async def test_the_thread_form_also_works_inside_an_event_loop() -> None:
    with KanalSandbox().running_in_thread() as sandbox:
        async with aiohttp.ClientSession() as session:
            url = f"{sandbox.base_url}/stores/1/customers"
            headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
            async with session.post(url, json=CUSTOMER, headers=headers) as response:
                assert response.status == 201


# -- inspection ---------------------------------------------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[KanalSandbox]:
    with KanalSandbox(rate_limit=RateLimit(limit=5, window=60)).running_in_thread() as running:
        yield running


def test_inspection_lists_records_by_store_and_resource(sandbox: KanalSandbox) -> None:
    _request(f"{sandbox.base_url}/stores/1/orders", "POST", ORDER)
    _request(f"{sandbox.base_url}/stores/1/orders/A%2F1", "PATCH", {"tags": ["x"]})
    status, body = _request(f"{sandbox.root_url}/_sandbox/stores/1/orders", key=None)
    assert status == 200
    assert body == {
        "stores": 1,
        "resource": "orders",
        "records": [
            {
                "key": "A/1",
                "id": 1,
                "writes": 2,
                "deleted": False,
                "data": {**ORDER, "tags": ["x"]},
            }
        ],
    }
    status, one = _request(f"{sandbox.root_url}/_sandbox/stores/1/orders/A%2F1", key=None)
    assert (status, one) == (200, body["records"][0])
    assert _request(f"{sandbox.root_url}/_sandbox/stores/3/orders", key=None) == (
        200,
        {"stores": 3, "resource": "orders", "records": []},
    )


def test_a_deleted_customer_is_visible_as_deleted(sandbox: KanalSandbox) -> None:
    _request(f"{sandbox.base_url}/stores/1/customers", "POST", CUSTOMER)
    _request(f"{sandbox.base_url}/stores/1/customers/CUST-1", "DELETE")
    _, body = _request(f"{sandbox.root_url}/_sandbox/stores/1/customers/CUST-1", key=None)
    assert (body["deleted"], body["writes"]) == (True, 2)
    record = sandbox.record(1, "customers", "CUST-1")
    assert record is not None
    assert record.deleted


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/_sandbox/stores/9/orders", "No stores '9'."),
        ("/_sandbox/stores/x/orders", "No stores 'x'."),
        ("/_sandbox/stores/1/refunds", "No resource 'refunds'; known: orders, checkouts"),
        ("/_sandbox/stores/1/orders/NOPE", "No record 'NOPE'."),
        ("/_sandbox/nothing", "Not Found"),
    ],
)
def test_inspection_404s_say_what_is_missing(
    sandbox: KanalSandbox, path: str, message: str
) -> None:
    status, body = _request(sandbox.root_url + path, key=None)
    assert status == 404
    assert body["message"].startswith(message)


def test_inspection_is_read_only(sandbox: KanalSandbox) -> None:
    status, body = _request(f"{sandbox.root_url}/_sandbox/stores/1/orders", "POST", ORDER)
    assert (status, body) == (405, {"message": "The /_sandbox/ routes are read-only: use GET."})
    assert sandbox.records(1, "orders") == {}


def test_the_index_says_what_is_served(sandbox: KanalSandbox) -> None:
    status, body = _request(f"{sandbox.root_url}/_sandbox/", key=None)
    assert status == 200
    assert body["api"] == "kanal"
    assert body["base_url"] == sandbox.base_url
    assert body["stores"] == [1, 2, 3]
    assert body["rate_limit"] == "5/60"
    assert body["faults"] == "none"


def test_stats_count_statuses_faults_limits_and_writes(sandbox: KanalSandbox) -> None:
    base = sandbox.base_url
    _request(f"{base}/stores/1/orders", "POST", ORDER)  # 201
    _request(f"{base}/stores/1/orders", "POST", ORDER)  # 200
    _request(f"{base}/stores/1/orders", "POST", {})  # 422
    _request(f"{base}/stores/1/orders", "POST", ORDER, key="nope")  # 401, not counted
    with sandbox.injecting("503=1"):
        _request(f"{base}/stores/1/orders", "POST", ORDER)  # 503, before the limiter
    _request(f"{base}/stores/1/customers", "POST", CUSTOMER)  # 201, the 4th hit
    _request(f"{base}/stores/1/customers", "POST", CUSTOMER)  # 200, the 5th
    _request(f"{base}/stores/1/customers", "POST", CUSTOMER)  # 429
    expected = {
        "requests": 8,
        "statuses": {"200": 2, "201": 2, "401": 1, "422": 1, "429": 1, "503": 1},
        "faults": {"503": 1},
        "rate_limited": 1,
        "writes": {"customers": 2, "orders": 2},
    }
    assert _request(f"{sandbox.root_url}/_sandbox/stats", key=None) == (200, expected)
    stats = sandbox.stats
    assert (stats.requests, stats.statuses[429], stats.writes["orders"]) == (8, 1, 2)
    sandbox.reset()
    assert sandbox.stats.requests == 0
    assert sandbox.records(1, "orders") == {}
    status, _ = _request(f"{base}/stores/1/customers", "POST", CUSTOMER)
    assert status == 201  # the window was reset too


def test_the_rate_limit_can_change_while_running(sandbox: KanalSandbox) -> None:
    sandbox.set_rate_limit(RateLimit(limit=1, window=60))
    assert _request(f"{sandbox.base_url}/stores/1/customers", "POST", CUSTOMER)[0] == 201
    assert _request(f"{sandbox.base_url}/stores/1/customers", "POST", CUSTOMER)[0] == 429
    sandbox.set_rate_limit(None)
    assert sandbox.rate_limit is None
    assert _request(f"{sandbox.base_url}/stores/1/customers", "POST", CUSTOMER)[0] == 200


def test_faults_show_on_the_faults_route(sandbox: KanalSandbox) -> None:
    sandbox.set_faults("slow=0.5:0.01,throttle=0.1:2")
    status, body = _request(f"{sandbox.root_url}/_sandbox/faults", key=None)
    assert status == 200
    assert body["spec"] == "throttle=0.1:2,slow=0.5:0.01"
    assert (body["throttle_seconds"], body["slow"]) == (2, 0.5)
