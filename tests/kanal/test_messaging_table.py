"""The messaging decision table, row by row, and its body parser, and its validation. Pure."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shopbridge.core.sansio._outcome import (
    FailureKind,
    HttpResponse,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._verdict import Action, WaitSource
from shopbridge.kanal import KANAL_MESSAGING_TABLE
from shopbridge.kanal._messaging.bulk import derived_key
from shopbridge.kanal._messaging.table import parse_messaging_body
from shopbridge.kanal._messaging.validation import (
    check_template_send,
    clean_for_country,
    is_possible_phone,
    phone_digits,
)

KEYED = RequestFacts(method="POST", idempotent=True)
UNKEYED = RequestFacts(method="POST", idempotent=False)


def response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = b"" if body is None else orjson.dumps(body)
    return HttpResponse(
        status=status,
        headers=headers or {},
        body=raw,
        data=body,
        error=parse_messaging_body(status, body),
    )


@pytest.mark.parametrize(
    ("status", "body", "facts", "action", "rule"),
    [
        (200, {"success": True, "message": "Message sent successfully"}, KEYED, Action.DONE, "200"),
        (
            201,
            {"message": "Message already sent with this idempotency key: k"},
            KEYED,
            Action.ALREADY_SENT,
            "201-replay",
        ),
        (
            200,
            {"message": "Contact blocked by re-entry rule"},
            UNKEYED,
            Action.BLOCKED,
            "200-reentry",
        ),
        (200, {"message": "Incoming webhook triggered"}, UNKEYED, Action.DONE, "200"),
        (401, {"error": "Invalid API key"}, KEYED, Action.FIX_CREDENTIALS, "401"),
        (401, {"message": "Invalid API key"}, UNKEYED, Action.FIX_CREDENTIALS, "401"),
        (403, {"error": "Team has no active subscription"}, KEYED, Action.FIX_CREDENTIALS, "403"),
        (404, {"error": "Template not found"}, KEYED, Action.NOT_FOUND, "404"),
        (404, {"message": "Incoming webhook not found"}, UNKEYED, Action.NOT_FOUND, "404"),
        (400, {"message": "Automation is not active"}, UNKEYED, Action.FAIL, "400-inactive"),
        (400, {"message": "Invalid phone_number format"}, UNKEYED, Action.FIX_PAYLOAD, "400"),
        (400, {"error": "template_id is required"}, KEYED, Action.FIX_PAYLOAD, "400"),
        (
            429,
            {"error": "Too many requests. Please slow down.", "retry_after": 60},
            KEYED,
            Action.WAIT_RETRY_AFTER,
            "429",
        ),
        (503, None, UNKEYED, Action.BACKOFF, "503"),
        (500, None, KEYED, Action.BACKOFF, "5xx-keyed"),
        (502, None, UNKEYED, Action.FAIL, "5xx"),
        (504, None, UNKEYED, Action.FAIL, "5xx"),
    ],
)
def test_each_messaging_answer_meets_its_row(
    status: int, body: Any, facts: RequestFacts, action: Action, rule: str
) -> None:
    verdict = KANAL_MESSAGING_TABLE.decide(response(status, body), facts, now=0.0)
    assert (verdict.action, verdict.rule) == (action, f"kanal-messaging-{rule}")


@pytest.mark.parametrize(
    ("kind", "facts", "action"),
    [
        (FailureKind.DISCONNECTED, KEYED, Action.BACKOFF),
        (FailureKind.DISCONNECTED, UNKEYED, Action.FAIL),
        (FailureKind.READ_TIMEOUT, KEYED, Action.BACKOFF),
        (FailureKind.READ_TIMEOUT, UNKEYED, Action.FAIL),
        (FailureKind.CONNECT, UNKEYED, Action.BACKOFF),
        (FailureKind.CONNECT_TIMEOUT, UNKEYED, Action.BACKOFF),
    ],
)
def test_a_send_without_a_key_is_resent_only_when_it_surely_did_not_arrive(
    kind: FailureKind, facts: RequestFacts, action: Action
) -> None:
    verdict = KANAL_MESSAGING_TABLE.decide(TransportFailure(kind=kind), facts, now=0.0)
    assert verdict.action is action


def test_the_429_wait_is_read_from_the_body_when_no_header_gives_it() -> None:
    body = {"error": "Too many requests. Please slow down.", "retry_after": 60}
    verdict = KANAL_MESSAGING_TABLE.decide(response(429, body), KEYED, now=0.0)
    assert (verdict.wait, verdict.wait_source) == (60.0, WaitSource.BODY)
    with_header = response(429, body, {"retry-after": "7"})
    verdict = KANAL_MESSAGING_TABLE.decide(with_header, KEYED, now=0.0)
    assert (verdict.wait, verdict.wait_source) == (7.0, WaitSource.RETRY_AFTER)


def test_the_replay_and_the_block_settle_without_an_error() -> None:
    assert Action.ALREADY_SENT.succeeded
    assert Action.BLOCKED.succeeded
    assert not Action.ALREADY_SENT.retryable


@pytest.mark.parametrize(
    ("text", "possible"),
    [
        ("+33 6 12 34 56 78", True),
        ("33612345678", True),
        ("(+49) 151-1234-5678", True),
        ("+1 415 555 0100", True),
        ("+33 6", False),
        ("12", False),
        ("", False),
        ("+999 1234567", False),
    ],
)
def test_a_phone_number_is_checked_as_possible_after_stripping_non_digits(
    text: str, possible: bool
) -> None:
    assert is_possible_phone(phone_digits(text)) is possible


def test_clean_for_country_makes_a_french_national_number_international() -> None:
    assert clean_for_country("0612345678", "FR") == "33612345678"
    assert clean_for_country("33612345678", "fr") == "33612345678"
    assert clean_for_country("0612345678", "ZZ") == "0612345678"
    assert (
        check_template_send(
            {"template_id": 1, "phone_number": "06 12 34 56 78", "cleanForCountry": "FR"}
        )
        == {}
    )


def test_a_derived_key_depends_on_the_content_the_position_and_the_salt_only() -> None:
    record = {"template_id": 1, "phone_number": "+33612345678", "variables": {"a": "1", "b": "2"}}
    same = {"variables": {"b": "2", "a": "1"}, "phone_number": "+33612345678", "template_id": 1}
    key = derived_key(record, 7)
    assert key == derived_key(same, 7)
    assert key.startswith("shopbridge-")
    assert key != derived_key(record, 8)
    assert key != derived_key(record, 7, salt="summer")
    assert key != derived_key({**record, "template_id": 2}, 7)
