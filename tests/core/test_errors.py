"""The exception tree: what str(error) says, retryability, the class for each action, pickling."""

from __future__ import annotations

import copy
import pickle

import pytest

from shopbridge.core import _errors as errors_module
from shopbridge.core._errors import (
    BlockingCallInEventLoopWarning,
    CheckpointError,
    ConfigurationError,
    ConflictError,
    CredentialsRejectedError,
    InputError,
    InvalidEventError,
    MalformedSignatureError,
    NotFoundError,
    PayloadRejectedError,
    RateLimitedError,
    RequestError,
    RequestFailedError,
    ShopbridgeError,
    SignatureError,
    SignatureMismatchError,
    StaleSignatureError,
    TransientError,
    ValidationError,
    error_class_for,
)
from shopbridge.core._pacing import PacingTimeoutError
from shopbridge.core._transport import TransportError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.sansio._outcome import ErrorBody, FailureKind, TransportFailure
from shopbridge.core.sansio._verdict import MEANINGS, Action, Verdict, WaitSource

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


# Pickling and copying: one of each


def _one_of_each() -> list[BaseException]:
    errors: list[BaseException] = [
        error_class_for(action)(
            Verdict(action=action, reason="r", rule="rule", status=500),
            method="POST",
            path="/orders",
            error=LARAVEL_422,
            failure=FailureKind.READ_TIMEOUT,
            request_id="req-1",
            attempts=3,
            gave_up="out of attempts",
        )
        for action in Action
    ]
    errors += [
        ValidationError.before_sending(
            method="POST", path="/orders", field_errors={"email": "The email is invalid."}
        ),
        ConfigurationError("base_url is not a URL"),
        ShopbridgeError("base"),
        InputError("no such file"),
        CheckpointError("another input"),
        SignatureError("untrusted"),
        MalformedSignatureError("no v1"),
        StaleSignatureError(timestamp=1_700_000_000, now=1_700_001_000.0, tolerance=300),
        SignatureMismatchError("no match"),
        InvalidEventError("not an event"),
        BlockingCallInEventLoopWarning("blocks the loop"),
        TransportError(TransportFailure(kind=FailureKind.DISCONNECTED, detail="gone")),
        PacingTimeoutError(12.5),
    ]
    return errors


def _same(copied: BaseException, original: BaseException) -> None:
    assert type(copied) is type(original)
    assert str(copied) == str(original)
    assert copied.args == original.args
    if isinstance(original, RequestError):
        assert isinstance(copied, RequestError)
        assert (copied.verdict, copied.error, copied.failure) == (
            original.verdict,
            original.error,
            original.failure,
        )
        assert dict(copied.field_errors) == dict(original.field_errors)
        assert (copied.attempts, copied.gave_up, copied.request_id, copied.retryable) == (
            original.attempts,
            original.gave_up,
            original.request_id,
            original.retryable,
        )
    for name in ("timestamp", "now", "tolerance", "failure", "wait"):
        assert getattr(copied, name, None) == getattr(original, name, None)


@pytest.mark.parametrize("error", _one_of_each(), ids=lambda error: type(error).__name__)
def test_every_error_pickles(error: BaseException) -> None:
    _same(pickle.loads(pickle.dumps(error)), error)  # noqa: S301 - our own bytes, just made


@pytest.mark.parametrize("error", _one_of_each(), ids=lambda error: type(error).__name__)
def test_every_error_deep_copies(error: BaseException) -> None:
    _same(copy.deepcopy(error), error)


def test_every_public_exception_lives_in_the_errors_module() -> None:
    import shopbridge  # noqa: PLC0415 - the public names, as users import them
    import shopbridge.karla  # noqa: PLC0415

    for package in (shopbridge, shopbridge.karla):
        for name in package.__all__:
            value = getattr(package, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                assert value.__module__ == "shopbridge.core._errors", name
                assert name in errors_module.__all__


def test_the_meanings_table_names_an_error_class_and_a_bulk_outcome_that_exist() -> None:
    for action, meaning in MEANINGS.items():
        if meaning.error is None:
            assert meaning.succeeded
        else:
            assert error_class_for(action).__name__ == meaning.error
        if meaning.bulk_outcome is not None:
            assert BulkOutcome(meaning.bulk_outcome).done is meaning.succeeded
    assert set(MEANINGS) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_an_action_reads_retryable_and_succeeded_from_the_meanings_table(action: Action) -> None:
    assert action.retryable is MEANINGS[action].retried
    assert action.succeeded is MEANINGS[action].succeeded
    assert action.meaning is MEANINGS[action]
