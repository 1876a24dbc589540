"""A server that echoes the credentials gets none of them shown or written, in any form.

The hostile server of `tests.hostile` puts what it received in every string it can: the request
id header, the field-error names and messages, Karla's envelope ``key``/``type``/``loc``, the
base64 Basic token. None of it reaches an exception, a repr, a log line, a dead letter,
a checkpoint, a report or the CLI's output.
"""

from __future__ import annotations

import base64
import logging
import pickle
import traceback
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.core._errors import PayloadRejectedError, RequestError
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._redaction import REDACTED, Redactor
from shopbridge.kanal import AsyncKanal
from shopbridge.karla import AsyncKarla
from tests.hostile import HostileServer, credentials
from tests.kanal.bulk_data import order, write_jsonl

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.anyio

KEY = "Zq8sEcReTkAnAl4key2Wv7Xp"
USER = "my-shop"
TOKEN = base64.b64encode(f"{USER}:{KEY}".encode()).decode()
FORMS = (KEY, TOKEN, base64.b64encode(KEY.encode()).decode(), f"{USER}:{KEY}")
"""Every form the key travels in: raw, Basic token, base64 of the key, ``user:key``."""
FAST = RetryPolicy(max_attempts=2, deadline=5, attempt_timeout=2, backoff_base=0.01)


async def echo_kanal(request: web.Request) -> web.Response:
    forms = list(credentials(request))
    body = {
        "message": f"The given data was invalid: {forms[0]}",
        "errors": {form: [f"The {form} field is wrong ({forms[0]})."] for form in forms},
    }
    return web.json_response(body, status=422, headers={"X-Request-Id": forms[0]})


async def echo_karla(request: web.Request) -> web.Response:
    forms = list(credentials(request))
    body = {
        "errors": [
            {"loc": ["body", form], "msg": f"echo {form}", "type": form, "field": form}
            for form in forms
        ],
        "key": forms[-1],
        "message": f"echo {forms[0]}",
        "type": forms[1],
        "retry_after": forms[2],
    }
    return web.json_response(body, status=422, headers={"X-Request-Id": forms[1]})


def texts_of(value: object) -> Iterator[str]:
    """Every way a value may end up printed or stored."""
    yield str(value)
    yield repr(value)
    if isinstance(value, BaseException):
        yield "".join(traceback.format_exception(value))
    if isinstance(value, RequestError):
        yield repr(value.verdict)
        yield repr(value.error)
        yield repr(dict(value.field_errors))
        yield repr(value.request_id)


def assert_no_form(*texts: str) -> None:
    for text in texts:
        for form in FORMS:
            assert form not in text, f"{form!r} leaked: {text[:300]}"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="shopbridge")
    return caplog


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        text
        for record in caplog.records
        for text in (record.getMessage(), repr(record.args), repr(vars(record)))
    ]


def test_the_redactor_hides_every_form_in_nested_data_keys_included() -> None:
    redactor = Redactor([KEY], user=USER)
    data: Any = {"a": [f"x{KEY}y", (TOKEN,)], f"{USER}:{KEY}": {"n": 1, "b": FORMS[2]}}
    redacted = redactor.data(data)
    assert_no_form(repr(redacted))
    assert redacted == {"a": ["x***y", ("***",)], "***": {"n": 1, "b": "***"}}
    assert redactor.text(base64.urlsafe_b64encode(KEY.encode()).decode().rstrip("=")) == REDACTED
    assert KEY not in repr(redactor)
    assert KEY.encode() not in pickle.dumps(redactor)


async def test_an_echoed_kanal_key_shows_nowhere_in_the_error_or_the_logs(
    logs: pytest.LogCaptureFixture,
) -> None:
    with HostileServer(echo_kanal) as server:
        async with AsyncKanal(KEY, 1, base_url=server.base_url, retry=FAST) as kanal:
            with pytest.raises(PayloadRejectedError) as caught:
                await kanal.orders.upsert(order(1))
    error = caught.value
    assert error.request_id == "Bearer ***"
    assert_no_form(*texts_of(error), *logged(logs))


async def test_an_echoed_karla_basic_token_shows_nowhere_in_the_error_or_the_logs(
    logs: pytest.LogCaptureFixture,
) -> None:
    with HostileServer(echo_karla) as server:
        async with AsyncKarla(USER, KEY, USER, base_url=server.base_url, retry=FAST) as karla:
            with pytest.raises(RequestError) as caught:
                await karla.shops.get()
    error = caught.value
    assert error.error is not None
    assert error.error.key == REDACTED
    assert error.error.type == REDACTED
    assert error.request_id == REDACTED
    assert_no_form(*texts_of(error), *logged(logs))


async def test_an_echoed_key_is_not_in_the_dead_letter_checkpoint_or_report(
    tmp_path: Path,
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(5)])
    dead_letter, checkpoint = tmp_path / "dead.jsonl", tmp_path / "cp.json"
    with HostileServer(echo_kanal) as server:
        async with AsyncKanal(KEY, 1, base_url=server.base_url, retry=FAST) as kanal:
            report = await kanal.orders.push_many(
                source, dead_letter=dead_letter, checkpoint=checkpoint
            )
    assert report.counts[BulkOutcome.REJECTED] == 5
    assert report.dead_lettered == 5
    rows = dead_letter.read_text()
    assert "Bearer ***" in rows  # the request id, and the field-error names, kept redacted
    assert_no_form(rows, checkpoint.read_text(), *texts_of(report), report.summary())


def test_the_cli_shows_no_echoed_key_in_its_report_table(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(3)])
    with HostileServer(echo_kanal) as server:
        result = CliRunner().invoke(
            main,
            ["push", "kanal", "orders", str(source), "--store", "1", "--base-url", server.base_url],
            env={"COLUMNS": "300", "KANAL_API_KEY": KEY},
            catch_exceptions=False,
        )
    assert result.exit_code == 1, result.output
    assert "***" in result.output
    assert_no_form(result.output, (tmp_path / "orders.dead-letter.jsonl").read_text())


@pytest.mark.parametrize("option", ["--store", "--shop"])
def test_the_cli_never_echoes_a_key_given_by_mistake_as_the_store_or_shop(
    option: str, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1)])
    api = "kanal" if option == "--store" else "karla"
    result = CliRunner().invoke(
        main,
        ["push", api, "orders", str(source), option, KEY, "--base-url", "http://127.0.0.1:9"],
        env={"COLUMNS": "300", "KANAL_API_KEY": KEY, "KARLA_API_KEY": KEY},
        catch_exceptions=False,
    )
    assert result.exit_code != 0
    assert_no_form(result.output)
    for path in tmp_path.iterdir():
        assert_no_form(path.read_text())
