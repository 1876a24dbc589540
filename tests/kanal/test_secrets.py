"""The API key never shows: not in a log record, an error, a result, a client or a verdict."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._errors import (
    ConfigurationError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    RateLimitedError,
    RequestError,
    TransientError,
    ValidationError,
)
from shopbridge.core._pacing import LocalPacing
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.kanal import AsyncKanal, Customer, Kanal, Order, OrderUpdate
from shopbridge.kanal.sandbox import (
    DEFAULT_ACCOUNTS,
    OTHER_TEAM_STORE_ID,
    PAUSED_STORE_ID,
    KanalAccounts,
    KanalApiKey,
    KanalSandbox,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

pytestmark = pytest.mark.anyio

SECRET = "Zq8sEcReTkAnAl4key2Wv7Xp"
"""A 24-character key in Kanal's newest format, registered with team A (stores 1 and 2)."""
UNREGISTERED = "Yw3nOtReGiStErEd9kEy5Tq1"
"""A key of the same shape that the sandbox does not know: it gets 401."""
SECRETS = (SECRET, UNREGISTERED)
ACCOUNTS = KanalAccounts(
    stores=DEFAULT_ACCOUNTS.stores,
    keys=(*DEFAULT_ACCOUNTS.keys, KanalApiKey(token=SECRET, team="team-a")),
)
FAST = RetryPolicy(
    max_attempts=8, deadline=5, attempt_timeout=2, backoff_base=0.01, backoff_max=0.02
)
PHONE = "+33612345678"


def order(external_id: str = "ORDER-1001") -> Order:
    return Order(
        external_id=external_id,
        placed_at=datetime(2026, 5, 18, 10, 0, tzinfo=UTC),
        total_price=Decimal("49.90"),
        customer=Customer(phone=PHONE),
    )


def texts_of(value: object) -> Iterator[str]:
    """Every way a value may end up printed."""
    yield str(value)
    yield repr(value)
    if isinstance(value, BaseException):
        yield "".join(traceback.format_exception(value))
        yield from (repr(arg) for arg in value.args)
    if isinstance(value, RequestError):
        yield repr(value.verdict)
        yield repr(value.error)
        yield repr(dict(value.field_errors))
        yield str(value.gave_up)


def assert_no_secret(*values: object) -> None:
    for value in values:
        for text in texts_of(value):
            for secret in SECRETS:
                assert secret not in text, f"the key leaked through {type(value).__name__}"


def assert_no_secret_logged(records: list[logging.LogRecord]) -> None:
    for record in records:
        texts = [record.getMessage(), repr(record.msg), repr(record.args), repr(vars(record))]
        for secret in SECRETS:
            assert not any(secret in text for text in texts), record.getMessage()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger: shopbridge's, aiohttp's, asyncio's
    caplog.set_level(logging.DEBUG, logger="shopbridge")
    return caplog


@pytest.fixture
async def sandbox() -> AsyncIterator[KanalSandbox]:
    async with KanalSandbox(accounts=ACCOUNTS) as server:
        yield server


def client(
    sandbox: KanalSandbox, *, key: str = SECRET, store_id: int = 1, **options: Any
) -> AsyncKanal:
    options.setdefault("retry", FAST)
    return AsyncKanal(key, store_id, base_url=sandbox.base_url, **options)


async def _raises(call: Callable[[], Any], cls: type[RequestError]) -> RequestError:
    with pytest.raises(cls) as caught:
        await call()
    return caught.value


async def test_no_success_retry_or_error_path_shows_the_key(
    sandbox: KanalSandbox, logs: pytest.LogCaptureFixture
) -> None:
    seen: list[object] = []
    async with client(sandbox) as kanal:
        seen.append(kanal)
        seen.append(await kanal.orders.upsert(order()))
        seen.append(await kanal.orders.update("ORDER-1001", OrderUpdate(financial_status="paid")))
        seen.append(await kanal.customers.upsert({"phone": PHONE, "external_id": "C"}))
        await kanal.customers.delete("C")
        sandbox.set_faults("503=0.3,drop_after=0.3,throttle=0.1:1", seed=24)
        seen.extend([await kanal.orders.upsert(order(f"RETRIED-{n}")) for n in range(4)])
        sandbox.set_faults("none")
        assert dict(sandbox.stats.faults) == {"throttle": 1, "drop_after": 1, "503": 1}
        seen.append(await _raises(lambda: kanal.orders.update("NOPE", {"tags": []}), NotFoundError))
        seen.append(await _raises(lambda: kanal.orders.update("X", OrderUpdate()), ValidationError))
        seen.append(
            await _raises(lambda: kanal.orders.upsert({"external_id": "O"}), ValidationError)
        )
        with sandbox.injecting("503=1"):
            seen.append(await _raises(lambda: kanal.orders.upsert(order()), TransientError))
        with sandbox.injecting("throttle=1:30"):
            seen.append(await _raises(lambda: kanal.orders.upsert(order()), RateLimitedError))
        # The store is paused for 30 s now: the pacer refuses before sending.
        seen.append(await _raises(lambda: kanal.orders.upsert(order()), RateLimitedError))
    # Their own pacers (as in other processes): this process's clients of store 1, whatever
    # their key, share the one paused above.
    async with client(sandbox, validate=False, pacing=LocalPacing()) as trusting:
        seen.append(
            await _raises(
                lambda: trusting.orders.upsert({"external_id": "O"}), PayloadRejectedError
            )
        )
    for store_id, cls in (
        (OTHER_TEAM_STORE_ID, CredentialsRejectedError),
        (PAUSED_STORE_ID, NotFoundError),
        (99, NotFoundError),
    ):
        async with client(sandbox, store_id=store_id) as elsewhere:
            seen.append(await _raises(lambda: elsewhere.customers.upsert({"phone": PHONE}), cls))
    async with client(sandbox, key=UNREGISTERED, pacing=LocalPacing()) as wrong:
        seen.append(wrong)
        seen.append(
            await _raises(
                lambda: wrong.customers.upsert({"phone": PHONE}), CredentialsRejectedError
            )
        )

    assert_no_secret(*seen)
    for result in seen:
        verdict = getattr(result, "verdict", None)
        if verdict is not None:
            assert_no_secret(verdict)
    assert_no_secret_logged(logs.records)
    levels = {record.levelname for record in logs.records if record.name == "shopbridge"}
    assert levels >= {"DEBUG", "INFO", "WARNING"}  # the logs under test were written


def test_the_blocking_client_shows_no_key_either(
    kanal_sandbox_factory: Callable[..., KanalSandbox], logs: pytest.LogCaptureFixture
) -> None:
    sandbox = kanal_sandbox_factory(accounts=ACCOUNTS, faults="503=0.5", seed=2)
    seen: list[object] = []
    with Kanal(SECRET, 1, base_url=sandbox.base_url, retry=FAST) as kanal:
        seen.append(kanal)
        seen.extend(kanal.orders.upsert(order(f"O-{number}")) for number in range(3))
        with pytest.raises(NotFoundError) as missing:
            kanal.orders.update("NOPE", {"tags": []})
        seen.append(missing.value)
    with Kanal(UNREGISTERED, 1, base_url=sandbox.base_url, retry=FAST) as wrong:
        seen.append(wrong)
        with pytest.raises(CredentialsRejectedError) as refused:
            wrong.customers.upsert({"phone": PHONE})
        seen.append(refused.value)
    assert_no_secret(*seen)
    assert_no_secret_logged(logs.records)
    assert any(record.levelname == "INFO" for record in logs.records)  # a 503 was retried


def test_repr_of_both_clients_has_no_key() -> None:
    url = "http://127.0.0.1:9/api/v1"
    kanal = Kanal(SECRET, 1, base_url=url)
    try:
        assert_no_secret(AsyncKanal(SECRET, 1, base_url=url), kanal)
        assert repr(kanal) == f"Kanal(store_id=1, base_url={url!r})"
    finally:
        kanal.close()


@pytest.mark.parametrize(
    ("arguments", "options"),
    [
        ((f" {SECRET}", 1), {}),
        ((f"{SECRET}\n", 1), {}),
        ((f"Bearer {SECRET}", 1), {}),
        ((SECRET, 0), {}),
        # Both from the environment, in the wrong order: the key lands in store_id.
        (("123", SECRET), {}),
        ((SECRET, 1), {"base_url": f"http://{SECRET}@api.getkanal.com/api/v1"}),
        ((SECRET, 1), {"base_url": f"https://user:{SECRET}@api.getkanal.com/api/v1"}),
        ((SECRET, 1), {"base_url": f"https://api.getkanal.com/api/v1?key={SECRET}"}),
        ((SECRET, 1), {"base_url": f"https://api.getkanal.com/api/v1#{SECRET}"}),
        # A typo in the scheme of a URL that carries the key.
        ((SECRET, 1), {"base_url": f"htps://user:{SECRET}@api.getkanal.com/api/v1"}),
    ],
    ids=[
        "key-with-space",
        "key-with-newline",
        "key-with-bearer-prefix",
        "bad-store-id",
        "key-as-store-id",
        "key-as-url-user",
        "key-as-url-password",
        "key-in-url-query",
        "key-in-url-fragment",
        "key-in-url-with-a-bad-scheme",
    ],
)
def test_configuration_errors_never_show_the_key(
    arguments: tuple[Any, Any], options: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AsyncKanal(*arguments, **options)
    assert_no_secret(caught.value)
    with pytest.raises(ConfigurationError) as blocking:
        Kanal(*arguments, **options)
    assert_no_secret(blocking.value)
