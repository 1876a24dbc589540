"""A real ``redis-server`` for the shared-pacing tests, on a free loopback port.

CI (``.ci/run``) installs Debian's ``redis-server``, starts one and exports its URL as
``SHOPBRIDGE_TEST_REDIS_URL``; locally, the fixtures start their own when the binary is on the
PATH. Without either, the tests that need Redis skip, except under ``CI=true``, where they fail:
CI must never pass by not testing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["RedisServer", "redis_binary", "require_redis"]

START_TIMEOUT = 10.0


def redis_binary() -> str | None:
    """The ``redis-server`` binary, if installed."""
    return shutil.which("redis-server")


def require_redis(reason: str) -> str:
    """The binary, or skip (fail under ``CI=true``) with `reason`."""
    binary = redis_binary()
    if binary is None:
        message = f"redis-server is not installed: {reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI must install it: apt-get install redis-server)")
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` process that a test may kill (SIGKILL) and start again."""

    def __init__(self, binary: str, directory: Path) -> None:
        self._binary = binary
        self._directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence: a restart loses every key, the worst case for the pacer.
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        msg = f"redis-server did not start on port {self.port}"
        raise RuntimeError(msg)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=5)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
            self._process = None
