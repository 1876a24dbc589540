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


def pacing_keys(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return len(client.keys("shopbridge:pacing:*"))
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
    before = pacing_keys(redis_url)
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert pacing_keys(redis_url) > before  # a new sandbox is a new store


def test_a_pacing_url_that_is_not_redis_is_a_usage_error(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", [order(1)])
    result = CliRunner().invoke(
        main, ["push", "kanal", "orders", str(source), "--sandbox", "--pacing", "http://x"]
    )
    assert result.exit_code == 2
    assert "redis://" in result.output
