"""Partitioned pushes: stable ids, a lease per partition, reports that add up, merged dead
letters, and the recipe on a real ``dask.distributed.LocalCluster`` sharing one Redis window."""

from __future__ import annotations

import functools
import json
import os
import pickle
import shutil
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge._sandbox.ratelimit import RateLimit
from shopbridge.core._pacing_redis import RedisPacing
from shopbridge.core.bulk._partitions import PartitionedPush, merge_dead_letters
from shopbridge.core.bulk._report import BulkOutcome, BulkReport
from tests.core.toy import API_KEY, AsyncToy
from tests.core.toy_sandbox import ToySandbox

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def sandbox() -> Iterator[ToySandbox]:
    with ToySandbox(rate_limit=RateLimit(limit=30, window=1)).running_in_thread() as running:
        yield running


def partition(index: int, size: int = 10) -> list[dict[str, Any]]:
    """Items of one partition; the last of each has no name: the server refuses it (422)."""
    rows: list[dict[str, Any]] = [
        {"id": f"p{index}-{n}", "name": f"item {n}"} for n in range(size - 1)
    ]
    rows.append({"id": f"p{index}-bad"})
    return rows


def job(sandbox: ToySandbox, directory: Path, **options: Any) -> PartitionedPush:
    return PartitionedPush(
        client=functools.partial(
            AsyncToy, API_KEY, "north", base_url=sandbox.base_url, rate_window=1.0, **options
        ),
        method="items.push_many",
        directory=directory,
        name="items",
    )


def test_a_partition_has_a_stable_id_and_files_of_its_own(
    sandbox: ToySandbox, tmp_path: Path
) -> None:
    push = job(sandbox, tmp_path)
    assert push.partition_id(3) == "items-00003"
    report = push.push(3, partition(3))
    assert (report.total, report.done, report.not_done) == (10, 9, 1)
    assert report.dead_letter == tmp_path / "items-00003.dead-letter.jsonl"
    assert (tmp_path / "items-00003.report.json").exists()
    assert not (tmp_path / "items-00003.lease").exists()


def test_a_partition_pushed_again_returns_its_report_without_sending(
    sandbox: ToySandbox, tmp_path: Path
) -> None:
    push = job(sandbox, tmp_path)
    first = push.push(0, partition(0))
    requests = sandbox.stats.requests
    again = push.push(0, partition(0))
    assert sandbox.stats.requests == requests
    assert again.counts == first.counts
    assert again.dead_letter == first.dead_letter


def test_two_tasks_of_one_partition_at_once_never_push_it_twice(
    sandbox: ToySandbox, tmp_path: Path
) -> None:
    push = job(sandbox, tmp_path)
    reports: list[BulkReport] = []
    tasks = [
        threading.Thread(target=lambda: reports.append(push.push(1, partition(1))))
        for _ in range(2)
    ]
    for task in tasks:
        task.start()
    for task in tasks:
        task.join(timeout=30)
    assert len(reports) == 2
    assert sandbox.stats.writes["items"] == 9  # each valid item written once
    assert reports[0].counts == reports[1].counts


def test_a_dead_task_lease_expires(sandbox: ToySandbox, tmp_path: Path) -> None:
    push = PartitionedPush(
        client=functools.partial(AsyncToy, API_KEY, "north", base_url=sandbox.base_url),
        method="items.push_many",
        directory=tmp_path,
        name="items",
        lease=0.3,
    )
    lease = tmp_path / "items-00002.lease"
    lease.write_text("a task that died")
    report = push.push(2, partition(2))
    assert report.done == 9


def test_reports_combine_and_dead_letters_merge_in_partition_order(
    sandbox: ToySandbox, tmp_path: Path
) -> None:
    push = job(sandbox, tmp_path)
    reports = [push.push(index, partition(index)) for index in (0, 1, 2)]
    combined = BulkReport.combine(reports)
    assert combined == sum(reports[1:], reports[0])
    assert sum(reports) == combined  # sum() starts from 0
    assert (combined.total, combined.done, combined.dead_lettered) == (30, 27, 3)
    assert combined.counts[BulkOutcome.REJECTED] == 3
    assert combined.dead_letter is None  # three files
    merged = tmp_path / "all.dead-letter.jsonl"
    assert merge_dead_letters(push, range(3), merged) == 3
    rows = [json.loads(line) for line in merged.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["p0-bad", "p1-bad", "p2-bad"]


def test_the_job_pickles_and_hides_the_client_and_its_key(tmp_path: Path) -> None:
    push = PartitionedPush(
        client=functools.partial(AsyncToy, API_KEY, "north", base_url="http://127.0.0.1:1"),
        method="items.push_many",
        directory=tmp_path,
    )
    copy = pickle.loads(pickle.dumps(push))  # noqa: S301 - our own bytes
    assert (copy.method, copy.directory, copy.name) == (push.method, push.directory, push.name)
    assert API_KEY not in repr(push)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_dask_recipe_on_a_local_cluster_shares_the_window_and_loses_nothing(
    sandbox: ToySandbox, tmp_path: Path, redis_url: str, namespace: str
) -> None:
    distributed = pytest.importorskip("distributed")
    push = job(sandbox, tmp_path, pacing=RedisPacing(redis_url, namespace=namespace))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        futures = [
            client.submit(push.push, index, partition(index), pure=False) for index in range(4)
        ]
        # A speculative copy of partition 0, racing the first: the lease makes it wait.
        futures.append(client.submit(push.push, 0, partition(0), pure=False))
        reports: list[BulkReport] = client.gather(futures)
    combined = BulkReport.combine(reports[:4])
    assert (combined.total, combined.done, combined.not_done) == (40, 36, 4)
    assert reports[4].counts == reports[0].counts
    assert sandbox.stats.writes["items"] == 36  # partition 0 was not pushed twice
    assert sandbox.stats.rate_limited == 0  # one window shared by both workers, in Redis
    assert merge_dead_letters(push, range(4), tmp_path / "all.jsonl") == 4


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_spark_recipe_on_a_local_session_loses_nothing(
    sandbox: ToySandbox, tmp_path: Path, redis_url: str, namespace: str, monkeypatch: Any
) -> None:
    """PySpark's ``mapPartitionsWithIndex(...).collect()``; skipped without Java (failed in CI)."""
    import pyspark.sql as pyspark  # noqa: PLC0415 - in the test extra; heavy to import

    if shutil.which("java") is None:
        message = "PySpark needs a Java runtime (apt-get install default-jre-headless)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must install it")
        pytest.skip(message)
    # Spark's Python workers run this interpreter, and import the toy client from this checkout.
    root = str(Path(__file__).resolve().parents[3])
    paths = [root, os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    push = job(sandbox, tmp_path, pacing=RedisPacing(redis_url, namespace=namespace))
    spark = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("shopbridge-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    try:
        rows = [row for index in range(4) for row in partition(index)]
        rdd = spark.sparkContext.parallelize(rows, 4)
        reports = rdd.mapPartitionsWithIndex(
            lambda index, part: push.push_partitions([(index, part)])
        ).collect()
    finally:
        spark.stop()
    combined = BulkReport.combine(reports)
    assert (combined.total, combined.done, combined.not_done) == (40, 36, 4)
    assert sandbox.stats.rate_limited == 0
    assert merge_dead_letters(push, range(4), tmp_path / "all.jsonl") == 4
