"""`Karla-Signature`: a known vector computed here with hmac/hashlib, and every way to fail."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from shopbridge.karla import (
    MalformedSignatureError,
    SignatureError,
    SignatureMismatchError,
    StaleSignatureError,
    sign,
    verify_signature,
)

SECRET = "whsec-0123456789abcdef"
BODY = b'{"source":"shipments","ref":"shipments/delivered/SUCCESSFULLY_DELIVERED"}'
T = 1_760_000_000


def expected(secret: str, body: bytes, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_sign_matches_an_independent_hmac_sha256() -> None:
    assert sign(SECRET, BODY, timestamp=T) == f"t={T},v1={expected(SECRET, BODY, T)}"


def test_a_known_vector_verifies_and_returns_its_timestamp() -> None:
    header = f"t={T},v1={expected(SECRET, BODY, T)}"

    assert verify_signature(SECRET, header, BODY, now=T + 10) == T


def test_spaces_and_upper_case_hex_are_accepted() -> None:
    header = f"t={T}, v1={expected(SECRET, BODY, T).upper()}"

    assert verify_signature(SECRET, header, BODY, now=T) == T


def test_a_tampered_body_is_rejected() -> None:
    header = sign(SECRET, BODY, timestamp=T)

    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, header, BODY.replace(b"delivered", b"returned"), now=T)


def test_a_reserialised_body_is_rejected() -> None:
    header = sign(SECRET, BODY, timestamp=T)

    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, header, BODY.replace(b",", b", "), now=T)


def test_a_wrong_secret_is_rejected_and_never_echoed() -> None:
    header = sign("another-secret-value", BODY, timestamp=T)

    with pytest.raises(SignatureMismatchError) as caught:
        verify_signature(SECRET, header, BODY, now=T)

    assert SECRET not in str(caught.value)
    assert expected(SECRET, BODY, T) not in str(caught.value)
    assert isinstance(caught.value, SignatureError)


@pytest.mark.parametrize("offset", [301, -301, 10_000])
def test_a_timestamp_outside_the_tolerance_is_stale(offset: int) -> None:
    header = sign(SECRET, BODY, timestamp=T)

    with pytest.raises(StaleSignatureError) as caught:
        verify_signature(SECRET, header, BODY, now=T + offset)

    assert caught.value.timestamp == T
    assert "tolerance" in str(caught.value)


def test_the_tolerance_is_configurable() -> None:
    header = sign(SECRET, BODY, timestamp=T)

    assert verify_signature(SECRET, header, BODY, now=T + 299) == T
    assert verify_signature(SECRET, header, BODY, tolerance=1000, now=T + 900) == T
    with pytest.raises(StaleSignatureError):
        verify_signature(SECRET, header, BODY, tolerance=5, now=T + 6)


def test_any_of_several_v1_values_may_match() -> None:
    """Secret rotation: the old secret's signature first, the new one's second."""
    header = f"t={T},v1={expected('old-secret-xxxxxxxx', BODY, T)},v1={expected(SECRET, BODY, T)}"

    assert verify_signature(SECRET, header, BODY, now=T) == T
    assert verify_signature("old-secret-xxxxxxxx", header, BODY, now=T) == T
    with pytest.raises(SignatureMismatchError):
        verify_signature("third-secret-xxxxxxx", header, BODY, now=T)


def test_unknown_schemes_are_ignored() -> None:
    header = f"t={T},v0=deadbeef,v1={expected(SECRET, BODY, T)}"

    assert verify_signature(SECRET, header, BODY, now=T) == T


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("v1=abc", id="no-timestamp"),
        pytest.param(f"t={T}", id="no-v1"),
        pytest.param(f"t=soon,v1={'0' * 64}", id="timestamp-not-a-number"),
        pytest.param(f"t=-5,v1={'0' * 64}", id="negative-timestamp"),
        pytest.param(f"t={T},t={T},v1={'0' * 64}", id="two-timestamps"),
        pytest.param("garbage", id="garbage"),
        pytest.param("t=1," + "v1=a," * 2000, id="too-long"),
    ],
)
def test_a_malformed_header_is_its_own_error(header: str | None) -> None:
    with pytest.raises(MalformedSignatureError):
        verify_signature(SECRET, header, BODY, now=T)


@pytest.mark.parametrize("candidate", ["zz" * 32, "ab", "0" * 65, ""])
def test_a_v1_that_is_not_64_hex_digits_never_matches(candidate: str) -> None:
    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, f"t={T},v1={candidate}", BODY, now=T)


def test_the_clock_is_read_when_now_is_left_out() -> None:
    now = int(time.time())

    assert verify_signature(SECRET, sign(SECRET, BODY, timestamp=now), BODY) == now
