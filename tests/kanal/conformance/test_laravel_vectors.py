"""The vectors Laravel's and egulias's own tests give (`laravel_vectors`), judged here as there."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.kanal._validation.dates import is_date
from shopbridge.kanal._validation.emails import is_email
from shopbridge.kanal._validation.php import filter_int, trim
from shopbridge.kanal._validation.urls import SCHEMES, is_url
from tests.kanal.conformance.laravel_vectors import (
    DATES,
    EMAILS,
    INTEGERS,
    TRIMS,
    URL_INVALID,
    URL_SCHEMES,
    URL_VALID,
)


@pytest.mark.parametrize("url", URL_VALID)
def test_laravel_accepts_these_urls(url: str) -> None:
    assert is_url(url)


@pytest.mark.parametrize("scheme", URL_SCHEMES)
def test_laravel_accepts_each_listed_scheme(scheme: str) -> None:
    assert scheme in SCHEMES
    assert is_url(f"{scheme}://fully.qualified.domain/path")


@pytest.mark.parametrize("url", URL_INVALID)
def test_laravel_refuses_these_urls(url: str) -> None:
    assert not is_url(url)


@pytest.mark.parametrize(("value", "valid"), DATES, ids=[str(row[0]) for row in DATES])
def test_laravel_dates(value: Any, valid: bool) -> None:
    assert is_date(value) is valid


@pytest.mark.parametrize(("value", "valid"), INTEGERS, ids=[row[0] for row in INTEGERS])
def test_laravel_integers(value: Any, valid: bool) -> None:
    assert filter_int(value) is valid


@pytest.mark.parametrize(("email", "valid"), EMAILS, ids=[repr(row[0]) for row in EMAILS])
def test_egulias_rfc_validation(email: Any, valid: bool) -> None:
    assert is_email(email) is valid


@pytest.mark.parametrize(("text", "trimmed"), TRIMS, ids=[repr(row[0]) for row in TRIMS])
def test_str_trim(text: str, trimmed: str) -> None:
    assert trim(text) == trimmed
