"""``shopbridge push --pacing redis://...`` (or ``SHOPBRIDGE_PACING``): the window in Redis."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import redis
from click.testing import CliRunner

from shopbridge.cli._commands import main
from tests.kanal.bulk_data import order, write_jsonl

if TYPE_CHECKING:
    from pathlib import Path


def pacing_keys(url: str, *, clear: bool = False) -> int:
    """The CLI's pacing keys (its default namespace; the other tests use their own)."""
    client = redis.Redis.from_url(url)
    try:
        keys = client.keys("shopbridge:pacing:*")
        if clear and keys:
            client.delete(*keys)
        return 0 if clear else len(keys)
    finally:
        client.close()


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_push_paces_in_redis_when_given_its_url(how: str, redis_url: str, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(10)])
    args = ["push", "kanal", "orders", str(source), "--sandbox"]
    env = {"COLUMNS": "200"}
    if how == "option":
        args += ["--pacing", redis_url]
    else:
        env["SHOPBRIDGE_PACING"] = redis_url
    pacing_keys(redis_url, clear=True)
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert pacing_keys(redis_url) >= 1  # the store's window, in Redis


def test_a_pacing_url_that_is_not_redis_is_a_usage_error(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1)])
    result = CliRunner().invoke(
        main, ["push", "kanal", "orders", str(source), "--sandbox", "--pacing", "http://x"]
    )
    assert result.exit_code == 2
    assert "redis://" in result.output


def test_a_redis_password_never_shows_even_when_redis_is_out_of_reach(tmp_path: Path) -> None:
    # Nothing listens on port 1: the push paces alone, says so, and loses nothing.
    source = write_jsonl(tmp_path / "orders.jsonl", [order(n) for n in range(5)])
    url = "redis://:s3cret-pw@127.0.0.1:1/0"
    args = ["push", "kanal", "orders", str(source), "--sandbox", "--pacing", url, "-v"]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "did not answer" in result.output  # the outage's one WARNING
    assert "s3cret-pw" not in result.output
