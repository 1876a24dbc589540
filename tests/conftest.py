"""Shared test configuration: async tests run on asyncio through anyio's pytest plugin; a
small disk for the tests of what a full one does; a real Redis for the shared-pacing tests (see
`tests.redis_server`)."""

from __future__ import annotations

import os
import subprocess
import uuid
from typing import TYPE_CHECKING

import pytest

from tests.redis_server import RedisServer, require_redis

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (root only, as in CI; skipped elsewhere), unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)]
    if subprocess.run(mount, capture_output=True, check=False).returncode != 0:  # noqa: S603
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)  # noqa: S603, S607


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for shared pacing: CI's (``SHOPBRIDGE_TEST_REDIS_URL``), or one started here."""
    url = os.environ.get("SHOPBRIDGE_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = require_redis("shared pacing needs Redis")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, that it may SIGKILL and start again."""
    server = RedisServer(require_redis("the outage tests need redis-server"), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def namespace() -> str:
    """A key prefix of this test's own, so tests sharing one Redis never meet."""
    return f"test-{uuid.uuid4().hex[:12]}"
