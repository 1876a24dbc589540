"""Kanal conformance: each payload gets Laravel's answer from the client and the sandbox alike.

Every row is a request body and the answer a Laravel server with the rules of
``specs/kanal.md`` §3 gives it, worked out from Laravel's own source (``Validator::passes``
without ``bail``, ``ValidationRuleParser``'s expansion of ``*`` rules, ``FormatsMessages``,
``lang/en/validation.php``, the TrimStrings and ConvertEmptyStringsToNull middleware): accepted,
or a 422 with the exact paths, messages and their order, and the top-level ``message``. Each
row is checked twice: the blocking client (validation on) must refuse exactly those records
with exactly those errors, or send them and get a 2xx; the Kanal sandbox, sent the raw body
on loopback, must answer the same 422 body, or accept.
"""

from __future__ import annotations

import copy
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from shopbridge import Kanal, ValidationError
from shopbridge.kanal._validation.schemas import summary_message
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox
from tests.kanal.conformance.kanal_rows import CHECKOUT, ORDER, ROWS, Row

if TYPE_CHECKING:
    from collections.abc import Iterator


def test_the_table_covers_every_rule_and_is_big_enough() -> None:
    assert len(ROWS) >= 40
    assert len({row.id for row in ROWS}) == len(ROWS)
    assert {row.endpoint for row in ROWS} == {
        "orders",
        "checkouts",
        "customers",
        "shipments",
        "orders PATCH",
        "checkouts PATCH",
    }


@pytest.fixture(scope="module")
def sandbox() -> Iterator[KanalSandbox]:
    with KanalSandbox(rate_limit=None).running_in_thread() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def kanal(sandbox: KanalSandbox) -> Iterator[Kanal]:
    with Kanal(
        DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url, unknown_fields="send"
    ) as kanal:
        kanal.orders.upsert(ORDER)  # the records the PATCH rows change
        kanal.checkouts.upsert(CHECKOUT)
        yield kanal


def _client_send(kanal: Kanal, row: Row) -> None:
    body = copy.deepcopy(row.body)
    if row.endpoint == "orders PATCH":
        kanal.orders.update("ORDER-1", body)
    elif row.endpoint == "checkouts PATCH":
        kanal.checkouts.update("CHECKOUT-1", body)
    else:
        getattr(kanal, row.endpoint).upsert(body)


def _raw_send(sandbox: KanalSandbox, row: Row) -> tuple[int, Any]:
    collection, _, patch = row.endpoint.partition(" ")
    key = {"orders": "ORDER-1", "checkouts": "CHECKOUT-1"}.get(collection, "")
    path = f"/stores/{DEFAULT_STORE_ID}/{collection}" + (f"/{key}" if patch else "")
    request = urllib.request.Request(  # noqa: S310 - the sandbox's own http:// URL on loopback
        sandbox.base_url + path,
        data=orjson.dumps(row.body),
        method="PATCH" if patch else "POST",
        headers={
            "Authorization": f"Bearer {DEFAULT_API_KEY}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - as above
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, orjson.loads(refused.read())


def _expected_message(row: Row) -> str:
    assert row.errors is not None
    return row.message or next(iter(row.errors.values()))[0]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_the_client_answers_as_laravel(kanal: Kanal, row: Row) -> None:
    if row.errors is None:
        _client_send(kanal, row)  # validated, sent, and accepted by the sandbox
        return
    with pytest.raises(ValidationError) as caught:
        _client_send(kanal, row)
    errors = {path: list(messages) for path, messages in caught.value.field_errors.items()}
    assert errors == row.errors
    assert list(errors) == list(row.errors)
    assert summary_message(errors) == _expected_message(row)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_the_sandbox_answers_as_laravel(sandbox: KanalSandbox, row: Row) -> None:
    status, body = _raw_send(sandbox, row)
    if row.errors is None:
        assert status in (200, 201), body
        return
    assert status == 422
    assert body == {"message": _expected_message(row), "errors": row.errors}
    assert list(body["errors"]) == list(row.errors)
