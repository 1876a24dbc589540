"""The base-URL rules and what counts as this machine, pure."""

from __future__ import annotations

import pytest

from shopbridge.core.sansio._urls import base_url_problem, is_loopback


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("localhost.localdomain", True),
        ("10.0.0.1", False),
        ("api.getkanal.com", False),
        ("localhost.evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, expected: bool) -> None:
    assert is_loopback(host) is expected


def rules(
    *,
    scheme: str = "https",
    host: str | None = "api.getkanal.com",
    has_credentials: bool = False,
    shown: str = "https://api.getkanal.com/api/v1",
    allow_insecure_http: bool = False,
) -> str | None:
    return base_url_problem(
        scheme=scheme,
        host=host,
        has_credentials=has_credentials,
        has_query_or_fragment=False,
        shown=shown,
        allow_insecure_http=allow_insecure_http,
    )


def test_a_https_url_to_a_host_has_no_problem() -> None:
    assert rules() is None


def test_credentials_are_named_before_anything_else() -> None:
    assert rules(has_credentials=True, scheme="ftp") == (
        "base_url must not contain credentials; pass the key as api_key"
    )


def test_plain_http_is_a_problem_only_beyond_this_machine_unless_allowed() -> None:
    assert rules(scheme="http", host="127.0.0.1") is None
    assert rules(scheme="http", allow_insecure_http=True) is None
    problem = rules(scheme="http", shown="http://api.getkanal.com/api/v1")
    assert problem is not None
    assert "plain http to api.getkanal.com" in problem
