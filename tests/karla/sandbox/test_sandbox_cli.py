"""``shopbridge sandbox karla``: the base URL first, serves until a signal, usage errors exit 2."""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP, DEFAULT_USERNAME
from tests._sandbox.processes import first_line
from tests.karla.sandbox.support import basic

BASE_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/v1")
COMMAND = [sys.executable, "-m", "shopbridge", "sandbox", "karla"]


def _get_shop(base_url: str) -> int:
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request(
            "GET",
            f"{parts.path}/shops/{DEFAULT_SHOP}",
            headers=basic(DEFAULT_USERNAME, DEFAULT_API_KEY),
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes and POSIX signals")
def test_the_first_line_has_the_base_url_and_sigterm_stops_it() -> None:
    with subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
        [*COMMAND, "--port", "0", "--rate-limit", "1/60", "--seed", "3", "--deliver-webhooks"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            line = first_line(process)
            match = BASE_URL.search(line)
            assert match is not None, line
            assert _get_shop(match.group(0)) == 200
            assert _get_shop(match.group(0)) == 429
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
            assert process.stdout is not None
            assert process.stderr is not None
            stdout, stderr = line + process.stdout.read(), process.stderr.read()
        finally:
            if process.poll() is None:  # pragma: no cover - only when an assertion failed
                process.kill()
                process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert line == f"{match.group(0)}\n"  # the bare URL first, for `| head -1`
    assert stdout.splitlines()[1].startswith("Karla sandbox listening on http://127.0.0.1:")
    assert "Rate limit: 1 requests per 60 s per shop" in stdout
    assert "Webhook delivery: on (loopback URLs only)" in stdout
    assert "sandbox-shop:sandbox-key" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--rate-limit", "sixty"],
            "Invalid value for '--rate-limit': 'sixty' is not a rate limit",
        ),
        (["--faults", "boom=1"], "Invalid value for '--faults': unknown fault 'boom'"),
        (["--validation-errors", "xml"], "Invalid value for '--validation-errors'"),
        (["--port", "70000"], "Invalid value for '--port'"),
        (["--missing-delete", "404"], "No such option"),
    ],
)
def test_usage_errors_name_the_option(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sandbox", "karla", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_the_shared_options_keep_their_defaults() -> None:
    karla = CliRunner().invoke(main, ["sandbox", "karla", "--help"])
    kanal = CliRunner().invoke(main, ["sandbox", "kanal", "--help"])
    assert karla.exit_code == kanal.exit_code == 0
    assert "per shop" in karla.output
    assert "[default: off]" in karla.output
    assert "per store" in kanal.output
    assert "[default: 60/60]" in kanal.output
    listed = CliRunner().invoke(main, ["sandbox", "--help"]).output
    assert "karla" in listed
    assert "kanal" in listed
