"""`EngineClient`: what both async clients share (the session, closing, unreadable answers)."""

from __future__ import annotations

import pytest

from shopbridge.core._endpoint import Endpoint
from shopbridge.core._errors import RequestFailedError
from shopbridge.core._requests import Reply
from shopbridge.core.sansio._verdict import Action, Verdict
from shopbridge.kanal import AsyncKanal, OrderRecord
from shopbridge.karla import AsyncKarla
from shopbridge.karla._shop_models import Shop

pytestmark = pytest.mark.anyio

DONE = Verdict(action=Action.DONE, reason="ok", rule="x-200", status=200)


def reply(data: object) -> Reply:
    return Reply(status=200, data=data, body=b"", headers={}, verdict=DONE, attempts=2)


@pytest.mark.parametrize(
    ("client", "cls", "rule", "consequence"),
    [
        (AsyncKanal("key", 1), OrderRecord, "kanal-unreadable-answer", "resending it is safe"),
        (AsyncKarla("shop", "key", "shop"), Shop, "karla-unreadable-answer", "most likely applied"),
    ],
)
async def test_a_2xx_that_is_not_the_documented_body_fails_with_its_verdict(
    client: AsyncKanal | AsyncKarla, cls: type, rule: str, consequence: str
) -> None:
    endpoint: Endpoint[object] = Endpoint(
        name="x.create", method="POST", path="/p", answer=cls, idempotent=True
    )
    with pytest.raises(RequestFailedError) as caught:
        client._read_answer(endpoint, reply(["not", "a", "record"]), "/p")
    error = caught.value
    assert error.verdict.rule == rule
    assert error.verdict.action is Action.FAIL
    assert consequence in error.reason
    assert error.attempts == 2
    await client.aclose()


async def test_a_closed_client_refuses_to_send() -> None:
    kanal = AsyncKanal("key", 1)
    await kanal.aclose()
    with pytest.raises(RuntimeError, match="this AsyncKanal is closed"):
        await kanal.orders.upsert(
            {
                "external_id": "A",
                "placed_at": "2026-05-18",
                "total_price": 1,
                "customer": {"phone": "+336"},
            }
        )
