"""The exception tree: what str(error) says, retryability, and the class for each action."""

from __future__ import annotations

import pytest

from shopbridge.core._errors import (
    ConfigurationError,
    ConflictError,
    CredentialsRejectedError,
    NotFoundError,
    PayloadRejectedError,
    RateLimitedError,
    RequestError,
    RequestFailedError,
    ShopbridgeError,
    TransientError,
    ValidationError,
    error_class_for,
)
from shopbridge.core.sansio._outcome import ErrorBody, FailureKind
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource

REJECTED = Verdict(
    action=Action.FIX_PAYLOAD,
    reason="Validation failed: fix the payload, do NOT retry.",
    rule="kanal-422",
    status=422,
)
LARAVEL_422 = ErrorBody(
    key="validation_failed",
    message="The customer.phone field is required. (and 1 more error)",
    field_errors={
        "customer.phone": ["The customer.phone field is required."],
        "total_price": ["The total price field must be at least 0."],
    },
)


def test_str_names_status_action_rule_reason_message_and_field_errors() -> None:
    error = PayloadRejectedError(
        REJECTED, method="POST", path="/stores/123/orders", error=LARAVEL_422, request_id="req-9"
    )
    assert str(error) == "\n".join(
        [
            "POST /stores/123/orders: 422 FIX_PAYLOAD [kanal-422]: "
            "Validation failed: fix the payload, do NOT retry.",
            "server said: The customer.phone field is required. (and 1 more error)",
            "  customer.phone: The customer.phone field is required.",
            "  total_price: The total price field must be at least 0.",
            "request id: req-9",
        ]
    )


def test_str_says_why_the_policy_gave_up() -> None:
    verdict = Verdict(
        action=Action.WAIT_RETRY_AFTER,
        reason="Rate limit exceeded: wait Retry-After, then retry.",
        rule="kanal-429",
        status=429,
        wait=120.0,
        wait_source=WaitSource.RETRY_AFTER,
    )
    gave_up = "the server asked to wait 120 s (Retry-After), but only 30 s remain"
    error = RateLimitedError(
        verdict,
        method="POST",
        path="/stores/123/orders",
        error=ErrorBody(key="too_many_attempts", message="Too Many Attempts."),
        attempts=2,
        gave_up=gave_up,
    )
    text = str(error)
    assert text.startswith("POST /stores/123/orders: 429 WAIT_RETRY_AFTER [kanal-429]: ")
    assert "server said: Too Many Attempts." in text
    assert f"gave up: {gave_up}" in text
    assert "after 2 attempts" not in text


def test_str_counts_the_attempts_when_no_give_up_reason_is_given() -> None:
    error = TransientError(
        Verdict(action=Action.BACKOFF, reason="Transient.", rule="kanal-5xx", status=503),
        method="PATCH",
        path="/stores/1/orders/A",
        attempts=4,
    )
    assert str(error).splitlines()[-1] == "after 4 attempts"


def test_str_of_a_transport_failure_shows_its_kind() -> None:
    verdict = Verdict(action=Action.FAIL, reason="No answer in time.", rule="net-read-timeout")
    error = RequestFailedError(
        verdict, method="POST", path="/v1/shops/s/orders", failure=FailureKind.READ_TIMEOUT
    )
    assert str(error) == (
        "POST /v1/shops/s/orders: read timeout FAIL [net-read-timeout]: No answer in time."
    )
    assert error.status is None
    assert error.failure is FailureKind.READ_TIMEOUT


def test_str_of_a_request_never_sent_says_so() -> None:
    error = ValidationError(
        Verdict(action=Action.FIX_PAYLOAD, reason="Invalid record.", rule="validation"),
        method="POST",
        path="/stores/1/customers",
        field_errors={"phone": ("The phone field is required.",)},
        attempts=0,
    )
    assert str(error) == (
        "POST /stores/1/customers: not sent FIX_PAYLOAD [validation]: Invalid record.\n"
        "  phone: The phone field is required."
    )


def test_a_validation_error_before_sending_says_nothing_was_sent() -> None:
    error = ValidationError.before_sending(
        method="POST",
        path="/stores/1/orders",
        field_errors={"customer.phone": ["The customer.phone field is required."]},
    )
    assert (error.attempts, error.status, error.action) == (0, None, Action.FIX_PAYLOAD)
    assert not error.retryable
    assert dict(error.field_errors) == {
        "customer.phone": ("The customer.phone field is required.",)
    }
    assert str(error) == (
        "POST /stores/1/orders: not sent FIX_PAYLOAD [client-validation]: "
        f"{ValidationError.REASON}\n"
        "  customer.phone: The customer.phone field is required."
    )


def test_field_errors_come_from_the_error_body_unless_given() -> None:
    from_body = PayloadRejectedError(REJECTED, method="POST", path="/p", error=LARAVEL_422)
    assert from_body.field_errors == LARAVEL_422.field_errors
    given = {"x": ("given",)}
    overridden = PayloadRejectedError(
        REJECTED, method="POST", path="/p", error=LARAVEL_422, field_errors=given
    )
    assert overridden.field_errors == given
    assert dict(PayloadRejectedError(REJECTED, method="POST", path="/p").field_errors) == {}


def test_an_empty_server_message_is_not_printed() -> None:
    error = NotFoundError(
        Verdict(action=Action.NOT_FOUND, reason="Record not found.", rule="kanal-404", status=404),
        method="PATCH",
        path="/p",
        error=ErrorBody(message=""),
    )
    assert "server said" not in str(error)


def test_the_error_exposes_the_verdict() -> None:
    error = PayloadRejectedError(REJECTED, method="POST", path="/p", error=LARAVEL_422)
    assert error.verdict is REJECTED
    assert (error.action, error.reason, error.status) == (Action.FIX_PAYLOAD, REJECTED.reason, 422)
    assert (error.method, error.path, error.attempts) == ("POST", "/p", 1)


@pytest.mark.parametrize(
    ("action", "retryable"),
    [
        (Action.BACKOFF, True),
        (Action.WAIT_RETRY_AFTER, True),
        (Action.FIX_PAYLOAD, False),
        (Action.FIX_CREDENTIALS, False),
        (Action.NOT_FOUND, False),
        (Action.CONFLICT, False),
        (Action.FAIL, False),
    ],
)
def test_retryable_follows_the_verdict(action: Action, retryable: bool) -> None:
    verdict = Verdict(action=action, reason="r", rule="r")
    error = error_class_for(action)(verdict, method="POST", path="/p", gave_up="out of attempts")
    assert error.retryable is retryable


@pytest.mark.parametrize(
    ("action", "cls"),
    [
        (Action.FIX_PAYLOAD, PayloadRejectedError),
        (Action.FIX_CREDENTIALS, CredentialsRejectedError),
        (Action.NOT_FOUND, NotFoundError),
        (Action.CONFLICT, ConflictError),
        (Action.WAIT_RETRY_AFTER, RateLimitedError),
        (Action.BACKOFF, TransientError),
        (Action.FAIL, RequestFailedError),
        (Action.DONE, RequestFailedError),
        (Action.ALREADY_EXISTED, RequestFailedError),
    ],
)
def test_error_class_for_each_action(action: Action, cls: type[RequestError]) -> None:
    assert error_class_for(action) is cls


def test_every_action_has_an_error_class() -> None:
    for action in Action:
        assert issubclass(error_class_for(action), RequestError)


def test_the_tree() -> None:
    assert issubclass(ValidationError, PayloadRejectedError)
    assert issubclass(RequestError, ShopbridgeError)
    assert issubclass(ConfigurationError, ShopbridgeError)
    assert issubclass(ConfigurationError, ValueError)
    for cls in (
        PayloadRejectedError,
        CredentialsRejectedError,
        NotFoundError,
        ConflictError,
        RateLimitedError,
        TransientError,
        RequestFailedError,
    ):
        assert cls.__bases__ == (RequestError,)
