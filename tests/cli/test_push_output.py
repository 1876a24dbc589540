"""What ``shopbridge push`` writes for a job runner: logs, plain lines, JSON, Ctrl-C, 80 columns."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from shopbridge.cli._commands import main
from shopbridge.cli._interrupt import default_checkpoint, resume_command
from shopbridge.kanal.sandbox import DEFAULT_API_KEY, DEFAULT_STORE_ID, KanalSandbox, RateLimit
from tests.kanal.bulk_data import invalid_order, order, write_jsonl

if TYPE_CHECKING:
    from pathlib import Path

BOX_DRAWING = re.compile("[\u2500-\u257f]")
"""Box-drawing characters (``─│┏┃╭`` ...): a log file should hold none."""

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pseudo-terminals")


@pytest.fixture
def sandbox(kanal_sandbox: KanalSandbox) -> KanalSandbox:
    kanal_sandbox.set_rate_limit(None)
    return kanal_sandbox


def _push_args(sandbox: KanalSandbox, source: Path, *extra: str) -> list[str]:
    return ["push", "kanal", "orders", str(source), "--store", "1", "--base-url",
            sandbox.base_url, *extra]  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    return {**env, "KANAL_API_KEY": DEFAULT_API_KEY, **extra}


# -- logs -----------------------------------------------------------------------------------


def test_verbose_logs_every_retry_to_stderr(sandbox: KanalSandbox, tmp_path: Path) -> None:
    sandbox.set_faults("503=0.2", seed=4)
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(10)])
    runner = CliRunner()
    quiet = runner.invoke(main, _push_args(sandbox, source), env={"KANAL_API_KEY": DEFAULT_API_KEY})
    assert quiet.exit_code == 0, quiet.output
    assert "Retrying in" not in quiet.stderr
    loud = runner.invoke(
        main, _push_args(sandbox, source, "-v"), env={"KANAL_API_KEY": DEFAULT_API_KEY}
    )
    assert loud.exit_code == 0, loud.output
    lines = [line for line in loud.stderr.splitlines() if "Retrying in" in line]
    assert lines, loud.stderr
    assert all("[kanal-5xx]" in line and " INFO shopbridge: " in line for line in lines)
    assert DEFAULT_API_KEY not in loud.stderr


_CAUGHT = """
import sys
from shopbridge import RequestError
from shopbridge.kanal import Kanal
try:
    with Kanal("wrong-key", 1, base_url=sys.argv[1]) as kanal:
        kanal.customers.upsert({"phone": "+33612345678"})
except RequestError:
    print("caught")
"""


def test_a_script_that_caught_the_error_gets_no_log_output(sandbox: KanalSandbox) -> None:
    result = subprocess.run(  # noqa: S603 - this Python, a fixed script
        [sys.executable, "-c", _CAUGHT, sandbox.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout == "caught\n", result.stderr
    assert result.stderr == ""  # no last-resort "POST ... Not retried." line


# -- piped, quiet, JSON ----------------------------------------------------------------------


def test_piped_output_is_plain_lines_without_box_drawing(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(20)])
    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-m", "shopbridge", "push", "kanal", "orders", str(source), "--sandbox"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_env(),
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "orders: done 20/20 · " in out
    assert "ETA" in out
    assert "elapsed 0:" in out
    assert "What happened to every record" in out
    assert "kanal-201" in out
    assert BOX_DRAWING.search(out) is None, out
    assert "…" not in out
    assert "\x1b[" not in out
    assert not default_checkpoint(tmp_path / "orders.dead-letter.jsonl").exists()


def test_json_prints_the_report_alone_on_stdout(sandbox: KanalSandbox, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1), invalid_order(2), order(3)])
    result = CliRunner().invoke(
        main, _push_args(sandbox, source, "--json"), env={"KANAL_API_KEY": DEFAULT_API_KEY}
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["resource"] == "orders"
    assert report["total"] == 3
    assert report["counts"]["created"] == 2
    assert report["counts"]["rejected"] == 1
    assert report["ok"] is False
    assert report["dead_letter"].endswith("orders.dead-letter.jsonl")
    assert "orders: done 3/3" in result.stderr


def test_quiet_prints_only_the_problems(sandbox: KanalSandbox, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [order(n) for n in range(5)])
    env = {"KANAL_API_KEY": DEFAULT_API_KEY}
    result = CliRunner().invoke(main, _push_args(sandbox, good, "--quiet"), env=env)
    assert result.exit_code == 0
    assert result.output == ""
    bad = write_jsonl(tmp_path / "bad.jsonl", [order(1), invalid_order(2)])
    result = CliRunner().invoke(main, _push_args(sandbox, bad, "-q"), env=env)
    assert result.exit_code == 1
    assert "What happened" not in result.output
    assert "bad.dead-letter.jsonl" in result.output


def test_quiet_and_json_are_exclusive(sandbox: KanalSandbox, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1)])
    result = CliRunner().invoke(
        main, _push_args(sandbox, source, "-q", "--json"), env={"KANAL_API_KEY": "k"}
    )
    assert result.exit_code == 2
    assert "exclusive" in result.output


# -- a real terminal at 80 columns ------------------------------------------------------------


@POSIX
def test_the_bar_keeps_done_total_elapsed_and_eta_at_80_columns(tmp_path: Path) -> None:
    import fcntl  # noqa: PLC0415 - POSIX only
    import pty  # noqa: PLC0415
    import struct  # noqa: PLC0415
    import termios  # noqa: PLC0415

    source = write_jsonl(tmp_path / "customers.jsonl", [order(n)["customer"] for n in range(12)])
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    command = [sys.executable, "-m", "shopbridge", "push", "kanal", "customers", str(source),
               "--sandbox", "--dead-letter", str(tmp_path / "d.jsonl")]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
        command, stdin=follower, stdout=follower, stderr=follower, env=_env(TERM="xterm")
    )
    os.close(follower)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
        if process.poll() is None:  # pragma: no cover - only when an assertion failed
            process.kill()
            process.wait()
    screen = ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")
    bar = [line for line in re.split(r"[\r\n]", screen) if line.startswith("customers ")]
    assert bar, screen
    last = bar[-1]
    assert len(last) <= 80
    assert re.search(r"12/12 +\d+\.\d/s \d:\d\d:\d\d ETA \d:\d\d:\d\d$", last), last
    assert "…" not in last
    assert "retries 0 · 429s 0 · rejected 0" in screen
    assert "┏" in screen or "━" in screen  # a terminal gets the rich tables


# -- Ctrl-C -----------------------------------------------------------------------------------


def test_resume_command_adds_the_checkpoint_and_never_echoes_the_key(tmp_path: Path) -> None:
    checkpoint = tmp_path / "my orders.checkpoint.json"
    command = resume_command(
        ["push", "kanal", "orders", "o.jsonl", "--api-key", "secret-key", "--api-key=k2"],
        checkpoint,
    )
    assert "secret-key" not in command
    assert "k2" not in command
    assert shlex.split(command) == [
        "shopbridge", "push", "kanal", "orders", "o.jsonl", "--checkpoint", str(checkpoint),
    ]  # fmt: skip
    given = resume_command(["push", "kanal", "orders", "o.jsonl", "--checkpoint", "c"], checkpoint)
    assert shlex.split(given)[-2:] == ["--checkpoint", "c"]


def test_resume_command_never_echoes_a_redis_password(tmp_path: Path) -> None:
    checkpoint = tmp_path / "c.json"
    args = ["push", "kanal", "orders", "o.jsonl", "--pacing", "redis://:s3cret-pw@10.0.0.5/0"]
    command = resume_command(args, checkpoint)
    assert "s3cret-pw" not in command
    assert shlex.split(command) == [
        "shopbridge", "push", "kanal", "orders", "o.jsonl", "--checkpoint", str(checkpoint),
    ]  # fmt: skip
    joined = resume_command(["push", "--pacing=rediss://u:s3cret-pw@h/0"], checkpoint)
    assert "s3cret-pw" not in joined
    plain = resume_command(["push", "--pacing", "redis://10.0.0.5/0"], checkpoint)
    assert "redis://10.0.0.5/0" in plain  # no password: kept, the command runs as it was


def _wait_for_requests(sandbox: KanalSandbox, count: int, process: subprocess.Popen[str]) -> None:
    for _ in range(600):
        if sandbox.stats.requests >= count or process.poll() is not None:
            return
        time.sleep(0.05)


@POSIX
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_saves_the_checkpoint_and_prints_the_command_that_resumes(
    kanal_sandbox: KanalSandbox, tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    # 5 requests a minute: the run is still going when the signal comes.
    kanal_sandbox.set_rate_limit(RateLimit(limit=5, window=60))
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(30)])
    command = [sys.executable, "-m", "shopbridge", *_push_args(kanal_sandbox, source)]
    with subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    ) as process:
        try:
            _wait_for_requests(kanal_sandbox, 5, process)
            process.send_signal(signum)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:  # pragma: no cover - only when an assertion failed
                process.kill()
                process.communicate()
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    assert "orders: interrupted" in stdout
    match = re.search(r"checkpoint saved at (\d+); resume with: (.+)", stdout)
    assert match is not None, stdout
    settled = int(match.group(1))
    assert 1 <= settled < 30
    checkpoint = tmp_path / "orders.checkpoint.json"
    assert checkpoint.exists()  # the default one, beside the dead letter
    resume = shlex.split(match.group(2))
    assert resume[0] == "shopbridge"
    assert resume[-2:] == ["--checkpoint", str(checkpoint)]
    kanal_sandbox.set_rate_limit(None)
    resumed = subprocess.run(  # noqa: S603 - this Python, the command it printed
        [sys.executable, "-m", "shopbridge", *resume[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_env(),
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"resumed; {settled} records settled by earlier runs" in resumed.stdout
    assert len(kanal_sandbox.records(DEFAULT_STORE_ID, "orders")) == 30
