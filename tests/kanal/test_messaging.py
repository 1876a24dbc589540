"""Kanal's messaging API against the sandbox: every endpoint and every documented answer.

Async first, then the blocking twin on the same endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._errors import (
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    RequestError,
    RequestFailedError,
    TransientError,
    ValidationError,
)
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._verdict import Action
from shopbridge.kanal import AsyncKanal, AutomationTrigger, Kanal, Message, TemplateSend
from shopbridge.kanal.sandbox import (
    ACTIVE_WEBHOOK_ID,
    DEFAULT_API_KEY,
    DELETED_WEBHOOK_ID,
    INACTIVE_WEBHOOK_ID,
    OTHER_TEAM_API_KEY,
    OTHER_TEAM_WEBHOOK_ID,
    REENTRY_WEBHOOK_ID,
    KanalSandbox,
    RateLimit,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(
    max_attempts=3, deadline=10, attempt_timeout=5, backoff_base=0.01, backoff_max=0.05
)
PHONE = "+33 6 12 34 56 78"
CONFIRMATION = {
    "template_id": 1234,
    "phone_number": PHONE,
    "variables": {"first_name": "Marie", "order_number": "1001"},
}


@pytest.fixture
async def sandbox() -> AsyncIterator[KanalSandbox]:
    async with KanalSandbox(seed=3) as server:
        yield server


def client(sandbox: KanalSandbox, key: str = DEFAULT_API_KEY, **options: Any) -> AsyncKanal:
    options.setdefault("retry", FAST)
    return AsyncKanal(key, base_url=sandbox.base_url, **options)


# -- sends and their Idempotency-Key ----------------------------------------------------------


async def test_a_template_is_sent_with_a_generated_key_and_a_replay_is_already_sent(
    sandbox: KanalSandbox,
) -> None:
    async with client(sandbox) as kanal:
        first = await kanal.templates.send(
            TemplateSend(
                template_id=1234,
                phone_number=PHONE,
                variables={"first_name": "Marie", "order_number": "1001"},
            )
        )
        again = await kanal.templates.send(CONFIRMATION, idempotency_key=first.idempotency_key)
    assert not first.already_sent
    assert first.verdict.action is Action.DONE
    assert first.message == "Template message sent successfully"
    assert first.phone_number == "33612345678"
    assert isinstance(first.message_id, int)
    assert first.idempotency_key is not None
    assert len(first.idempotency_key) == 36  # a UUID4
    assert again.already_sent
    assert again.verdict.action is Action.ALREADY_SENT
    assert again.message == (
        f"Message already sent with this idempotency key: {first.idempotency_key}"
    )
    assert again.message_id is None
    assert sandbox.messaging.times_sent(first.idempotency_key) == 1
    assert len(sandbox.messaging.sent) == 1


async def test_a_send_whose_answer_is_lost_is_resent_with_the_same_key_and_sent_once(
    sandbox: KanalSandbox,
) -> None:
    async with client(sandbox, retry=RetryPolicy(max_attempts=2, backoff_base=0.01)) as kanal:
        with sandbox.injecting("drop_after=1"), pytest.raises(TransientError) as caught:
            await kanal.templates.send(CONFIRMATION, idempotency_key="order-1001-confirmed")
    assert caught.value.attempts == 2
    # The second attempt carried the same key, byte for byte: Kanal replayed it.
    assert sandbox.messaging.times_sent("order-1001-confirmed") == 1
    assert sandbox.messaging.replays == 1


async def test_a_send_without_a_key_is_never_resent_after_its_answer_is_lost(
    sandbox: KanalSandbox,
) -> None:
    async with client(sandbox) as kanal:
        with sandbox.injecting("drop_after=1"), pytest.raises(RequestFailedError) as caught:
            await kanal.templates.send(CONFIRMATION, idempotency_key=False)
    assert caught.value.attempts == 1
    assert caught.value.verdict.rule == "kanal-messaging-disconnected"
    assert len(sandbox.messaging.sent) == 1


async def test_a_send_without_a_key_is_resent_after_a_503_which_sent_nothing(
    sandbox: KanalSandbox,
) -> None:
    async with client(sandbox) as kanal:
        sandbox.set_faults("503=0.5", seed=1)
        sent = await kanal.templates.send(CONFIRMATION, idempotency_key=False)
    assert sent.idempotency_key is None
    assert len(sandbox.messaging.sent) == 1


async def test_a_text_message_goes_out_inside_the_window_only(sandbox: KanalSandbox) -> None:
    async with client(sandbox) as kanal:
        with pytest.raises(PayloadRejectedError) as caught:
            await kanal.messages.send(Message(to=PHONE, body="Hello from the API!"))
        assert caught.value.error is not None
        assert caught.value.error.message == sandbox.messaging.window_error
        sandbox.messaging.open_window(PHONE)
        sent = await kanal.messages.send({"to": PHONE, "type": "text", "text": {"body": "Hi"}})
        image = await kanal.messages.send(
            Message(to=PHONE, type="image", link="https://shop.example/p.jpg", caption="New")
        )
    assert sent.message == "Message sent successfully"
    assert not image.already_sent
    assert [message.type for message in sandbox.messaging.sent] == ["text", "image"]


async def test_the_window_error_is_configurable_and_a_window_closes_after_24_hours(
    sandbox: KanalSandbox,
) -> None:
    sandbox.messaging.window_error = "Outside the 24h window"
    sandbox.messaging.open_window(PHONE, at=0.0)
    async with client(sandbox) as kanal:
        with pytest.raises(PayloadRejectedError, match="Outside the 24h window"):
            await kanal.messages.send(Message(to=PHONE, body="Hi"))


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "text", "text": {"body": "x"}}, "to"),
        ({"to": "+12", "type": "text", "text": {"body": "x"}}, "to"),
        ({"to": PHONE, "type": "sticker"}, "type"),
        ({"to": PHONE, "type": "text", "text": {"body": ""}}, "text.body"),
        ({"to": PHONE, "type": "video", "video": {}}, "video.link"),
        (
            {"to": PHONE, "type": "audio", "audio": {"link": "https://a/b.mp3", "caption": "x"}},
            "audio.caption",
        ),
        ({"to": PHONE, "type": "text", "text": {"body": "x"}, "priority": 1}, "priority"),
    ],
)
async def test_a_message_breaking_the_rules_is_refused_before_sending(
    sandbox: KanalSandbox, message: dict[str, Any], field: str
) -> None:
    async with client(sandbox) as kanal:
        with pytest.raises(ValidationError) as caught:
            await kanal.messages.send(message)
    assert field in caught.value.field_errors
    assert sandbox.stats.requests == 0


# -- templates --------------------------------------------------------------------------------


async def test_templates_are_listed_with_their_structure_parsed(sandbox: KanalSandbox) -> None:
    async with client(sandbox) as kanal:
        templates = {template.id: template for template in await kanal.templates.list()}
    assert sorted(templates) == [1234, 1235, 1236]  # approved only
    shipping = templates[1235]
    assert shipping.name == "shipping_update"
    assert shipping.structure is not None
    assert shipping.structure.header is not None
    assert shipping.structure.header.variables == ("order_number",)
    assert shipping.variables == ("order_number", "carrier", "tracking_url")
    assert shipping.raw_structure is not None
    assert shipping.created_at is not None
    assert templates[1236].variables == ()


async def test_a_template_send_is_checked_against_the_templates_variables(
    sandbox: KanalSandbox,
) -> None:
    async with client(sandbox) as kanal:
        with pytest.raises(ValidationError) as caught:
            await kanal.templates.send(
                {**CONFIRMATION, "variables": {"first_name": "Marie", "order_numbr": "1"}},
                check_variables=True,
            )
        with pytest.raises(ValidationError) as unknown:
            await kanal.templates.send({**CONFIRMATION, "template_id": 1237}, check_variables=True)
        sent = await kanal.templates.send(CONFIRMATION, check_variables=True)
    assert set(caught.value.field_errors) == {"variables.order_number", "variables.order_numbr"}
    assert "template_id" in unknown.value.field_errors
    assert not sent.already_sent
    assert len(sandbox.messaging.sent) == 1


async def test_a_template_send_with_clean_for_country_reaches_the_international_number(
    sandbox: KanalSandbox,
) -> None:
    send = TemplateSend(template_id=1236, phone_number="06 12 34 56 78", clean_for_country="FR")
    async with client(sandbox) as kanal:
        sent = await kanal.templates.send(send)
    assert sent.phone_number == "33612345678"


@pytest.mark.parametrize(
    ("body", "error", "status_class"),
    [
        ({"phone_number": PHONE}, "template_id is required", PayloadRejectedError),
        ({**CONFIRMATION, "template_id": 999}, "Template not found", NotFoundError),
        ({**CONFIRMATION, "template_id": 1237}, "Template not found", NotFoundError),
        (
            {**CONFIRMATION, "phone_number": "12"},
            "Invalid phone_number format",
            PayloadRejectedError,
        ),
        (
            {**CONFIRMATION, "variables": {}},
            "Missing variables: first_name, order_number",
            PayloadRejectedError,
        ),
    ],
)
async def test_the_servers_template_errors_are_read_in_its_words(
    sandbox: KanalSandbox, body: dict[str, Any], error: str, status_class: type[RequestError]
) -> None:
    async with client(sandbox, validate=False) as kanal:
        with pytest.raises(status_class) as caught:
            await kanal.templates.send(body)
    assert caught.value.error is not None
    assert caught.value.error.message == error
    assert caught.value.attempts == 1


async def test_the_templates_limit_is_waited_out_from_the_bodys_retry_after(
    sandbox: KanalSandbox,
) -> None:
    sandbox.messaging.set_rate_limit(RateLimit(limit=1, window=1))
    async with client(sandbox) as first, client(sandbox) as second:
        await first.templates.send(CONFIRMATION)
        sent = await second.templates.send({**CONFIRMATION, "phone_number": "+33612345679"})
    assert not sent.already_sent
    assert sent.attempts == 2
    assert len(sandbox.messaging.sent) == 2


# -- auth and subscription --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [("no-such-key", "Invalid API key"), (OTHER_TEAM_API_KEY, "Team has no active subscription")],
)
async def test_every_messaging_endpoint_refuses_a_bad_key_or_a_team_without_subscription(
    sandbox: KanalSandbox, key: str, message: str
) -> None:
    sandbox.messaging.open_window(PHONE)
    async with client(sandbox, key) as kanal:
        calls = [
            kanal.messages.send(Message(to=PHONE, body="Hi")),
            kanal.templates.send(CONFIRMATION),
            kanal.templates.list(),
            kanal.automations.trigger(ACTIVE_WEBHOOK_ID, {"phone_number": PHONE}),
            kanal.account.me(),
        ]
        for call in calls:
            with pytest.raises(CredentialsRejectedError) as caught:
                await call
            assert caught.value.error is not None
            assert caught.value.error.message == message
            assert caught.value.attempts == 1
            assert key not in str(caught.value)
    assert sandbox.messaging.sent == []


async def test_a_subscription_turned_on_opens_the_messaging_api(sandbox: KanalSandbox) -> None:
    sandbox.messaging.set_subscription("team-b", active=True)
    async with client(sandbox, OTHER_TEAM_API_KEY) as kanal:
        templates = await kanal.templates.list()
    assert [template.id for template in templates] == [2001]


# -- automations and account ------------------------------------------------------------------


async def test_an_automation_is_triggered_then_the_contact_is_blocked_by_re_entry(
    sandbox: KanalSandbox,
) -> None:
    trigger = AutomationTrigger(
        phone_number=PHONE, variables={"coupon": "WELCOME10"}, shopify_customer_id=42
    )
    async with client(sandbox) as kanal:
        first = await kanal.automations.trigger(ACTIVE_WEBHOOK_ID, trigger)
        second = await kanal.automations.trigger(ACTIVE_WEBHOOK_ID, trigger)
        again = await kanal.automations.trigger(REENTRY_WEBHOOK_ID, trigger)
        repeat = await kanal.automations.trigger(REENTRY_WEBHOOK_ID, trigger)
    assert (first.blocked, first.message) == (False, "Incoming webhook triggered")
    assert (second.blocked, second.message) == (True, "Contact blocked by re-entry rule")
    assert second.verdict.action is Action.BLOCKED
    assert not again.blocked
    assert not repeat.blocked
    assert len(sandbox.messaging.triggers()) == 3


@pytest.mark.parametrize(
    ("webhook_id", "body", "message", "error_class"),
    [
        (
            "00000000-0000-4000-8000-000000000000",
            {"phone_number": PHONE},
            "Incoming webhook not found",
            NotFoundError,
        ),
        (DELETED_WEBHOOK_ID, {"phone_number": PHONE}, "Automation not found", NotFoundError),
        (
            OTHER_TEAM_WEBHOOK_ID,
            {"phone_number": PHONE},
            "Invalid API key",
            CredentialsRejectedError,
        ),
        (
            INACTIVE_WEBHOOK_ID,
            {"phone_number": PHONE},
            "Automation is not active",
            RequestFailedError,
        ),
        (ACTIVE_WEBHOOK_ID, {}, "phone_number is required", PayloadRejectedError),
        (
            ACTIVE_WEBHOOK_ID,
            {"phone_number": "+1"},
            "Invalid phone_number format",
            PayloadRejectedError,
        ),
        (
            ACTIVE_WEBHOOK_ID,
            {"phone_number": PHONE, "shopify_customer_id": "abc"},
            "shopify_customer_id must be numeric",
            PayloadRejectedError,
        ),
    ],
)
async def test_the_automation_errors_are_read_from_their_message_shape(
    sandbox: KanalSandbox,
    webhook_id: str,
    body: dict[str, Any],
    message: str,
    error_class: type[RequestError],
) -> None:
    async with client(sandbox, validate=False) as kanal:
        with pytest.raises(error_class) as caught:
            await kanal.automations.trigger(webhook_id, body)
    assert caught.value.error is not None
    assert caught.value.error.message == message
    assert caught.value.attempts == 1


async def test_a_trigger_is_never_resent_after_its_answer_is_lost(sandbox: KanalSandbox) -> None:
    async with client(sandbox) as kanal:
        with sandbox.injecting("drop_after=1"), pytest.raises(RequestFailedError) as caught:
            await kanal.automations.trigger(REENTRY_WEBHOOK_ID, {"phone_number": PHONE})
    assert caught.value.attempts == 1
    assert len(sandbox.messaging.triggers()) == 1


async def test_a_webhook_id_that_is_not_a_uuid_is_refused_before_sending(
    sandbox: KanalSandbox,
) -> None:
    async with client(sandbox) as kanal:
        with pytest.raises(ValidationError) as caught:
            await kanal.automations.trigger("../me", {"phone_number": PHONE})
    assert "webhook_id" in caught.value.field_errors
    assert sandbox.stats.requests == 0


async def test_me_answers_untyped(sandbox: KanalSandbox) -> None:
    async with client(sandbox) as kanal:
        account = await kanal.account.me()
    assert account["phone_number_id"] == 56


async def test_one_client_with_a_store_reaches_commerce_and_messaging(
    sandbox: KanalSandbox,
) -> None:
    async with AsyncKanal(DEFAULT_API_KEY, 1, base_url=sandbox.base_url) as kanal:
        await kanal.customers.upsert({"phone": PHONE, "first_name": "Marie"})
        await kanal.templates.send(CONFIRMATION)
    assert len(sandbox.messaging.sent) == 1
    assert sandbox.stats.requests == 2


async def test_the_sandbox_shows_what_went_out_on_its_inspection_route(
    sandbox: KanalSandbox,
) -> None:
    import aiohttp  # noqa: PLC0415 - only this test reads the inspection route

    async with client(sandbox) as kanal:
        sent = await kanal.templates.send(CONFIRMATION)
        await kanal.templates.send(CONFIRMATION, idempotency_key=sent.idempotency_key)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.root_url}/_sandbox/messages") as response,
    ):
        view = await response.json()
    assert view["times_sent_by_key"] == {sent.idempotency_key: 1}
    assert view["replays"] == 1
    sandbox.reset()
    assert sandbox.messaging.sent == []


# -- the blocking twin ------------------------------------------------------------------------


def test_the_blocking_client_reaches_every_messaging_endpoint() -> None:
    with (
        KanalSandbox().running_in_thread() as sandbox,
        Kanal(DEFAULT_API_KEY, base_url=sandbox.base_url, retry=FAST) as kanal,
    ):
        sandbox.messaging.open_window(PHONE)
        assert [template.id for template in kanal.templates.list()] == [1234, 1235, 1236]
        sent = kanal.templates.send(CONFIRMATION, idempotency_key="k-1")
        replay = kanal.templates.send(CONFIRMATION, idempotency_key="k-1")
        message = kanal.messages.send(Message(to=PHONE, body="Hi"))
        triggered = kanal.automations.trigger(ACTIVE_WEBHOOK_ID, {"phone_number": PHONE})
        account = kanal.account.me()
        with pytest.raises(NotFoundError):
            kanal.templates.send({**CONFIRMATION, "template_id": 999})
        report = kanal.templates.push_many(
            [{"template_id": 1236, "phone_number": f"+3361234{n:04d}"} for n in range(5)]
        )
        assert (sent.already_sent, replay.already_sent) == (False, True)
        assert not message.already_sent
        assert not triggered.blocked
        assert account["team"] == "team-a"
        assert report.total == report.done == 5
        assert len(sandbox.messaging.sent) == 7
