"""``shopbridge sandbox kanal``: the base URL first, serves until a signal, usage errors exit 2."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, KanalSandbox
from tests._sandbox.processes import first_line

BASE_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/api/v1")
COMMAND = [sys.executable, "-m", "shopbridge", "sandbox", "kanal"]


def _post_customer(base_url: str) -> int:
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request(
            "POST",
            f"{parts.path}/stores/1/customers",
            body=b'{"phone": "+33612345678"}',
            headers={
                "Authorization": f"Bearer {DEFAULT_API_KEY}",
                "Content-Type": "application/json",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes and POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_first_line_has_the_base_url_and_a_signal_stops_it(signum: signal.Signals) -> None:
    with subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
        [*COMMAND, "--port", "0", "--rate-limit", "1/60", "--faults", "none", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            line = first_line(process)
            match = BASE_URL.search(line)
            assert match is not None, line
            assert _post_customer(match.group(0)) == 201
            assert _post_customer(match.group(0)) == 429
            process.send_signal(signum)
            process.wait(timeout=15)
            assert process.stdout is not None
            assert process.stderr is not None
            # Read through the same buffered files as the first line: communicate() would
            # skip whatever readline() already buffered.
            stdout, stderr = line + process.stdout.read(), process.stderr.read()
        finally:
            if process.poll() is None:  # pragma: no cover - only when an assertion failed
                process.kill()
                process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert "Rate limit: 1 requests per 60 s per store" in stdout


@pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes and POSIX signals")
def test_the_first_line_is_the_bare_base_url_for_head_1() -> None:
    with subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
        [*COMMAND, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        try:
            line = first_line(process)
        finally:
            process.terminate()
            process.communicate(timeout=15)
    assert BASE_URL.fullmatch(line.rstrip("\n")) is not None, line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.skipif(sys.platform == "win32", reason="os.pipe() and POSIX signals")
def test_a_closed_stdout_does_not_stop_the_sandbox() -> None:
    # `| head -1` closes the pipe once it has the URL: the same as a pipe closed from the start.
    read_end, write_end = os.pipe()
    os.close(read_end)
    port = _free_port()
    try:
        process = subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
            [*COMMAND, "--port", str(port)], stdout=write_end, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write_end)
    with process:
        try:
            status = 0
            for _ in range(400):  # the server listens within a few seconds
                if process.poll() is not None:
                    break
                try:
                    status = _post_customer(f"http://127.0.0.1:{port}/api/v1")
                    break
                except ConnectionRefusedError:
                    time.sleep(0.05)
            assert process.poll() is None, process.communicate()[1]
            assert status == 201
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=15)
        finally:
            if process.poll() is None:  # pragma: no cover - only when an assertion failed
                process.kill()
                process.communicate()
    assert process.returncode == 0, stderr
    assert "Broken pipe" not in stderr
    assert "Traceback" not in stderr


def test_a_bad_option_exits_2_without_a_traceback() -> None:
    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [*COMMAND, "--faults", "503=0.1,boom=1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "Invalid value for '--faults': unknown fault 'boom' in item 'boom=1'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--rate-limit", "sixty"],
            "Invalid value for '--rate-limit': 'sixty' is not a rate limit",
        ),
        (["--faults", "slow=0.1:x"], "item 'slow=0.1:x': 'x' is not a number of seconds"),
        (["--port", "70000"], "Invalid value for '--port'"),
        (["--seed", "abc"], "Invalid value for '--seed'"),
        (["--missing-delete", "410"], "Invalid value for '--missing-delete'"),
        (["--bogus"], "No such option"),
    ],
)
def test_usage_errors_name_the_option(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sandbox", "kanal", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_taken_port_is_a_usage_error() -> None:
    with KanalSandbox().running_in_thread() as taken:
        port = taken.port
        result = CliRunner().invoke(main, ["sandbox", "kanal", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_non_loopback_host_is_warned_about() -> None:
    result = CliRunner().invoke(main, ["sandbox", "kanal", "--host", "192.0.2.1", "--port", "1"])
    assert "not loopback" in result.output
    assert result.exit_code == 2  # not an address of this machine


def test_help_lists_the_sandbox_command() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--help"])
    assert result.exit_code == 0
    assert "kanal" in result.output
