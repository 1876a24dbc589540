"""One push split into partitions, each run by a task of Dask, Spark or any pool of workers.

`PartitionedPush` is the job, as configuration that pickles to every worker: how to build the
client (a picklable factory, typically ``functools.partial(AsyncKanal, key, store,
pacing=RedisPacing(url))``, so that every worker shares the store's window), which bulk method
to call, and a directory on storage every worker sees. ``job.push(index, records)`` is a plain
blocking function: a worker calls it with no asyncio code of its own.

Each partition has a stable id (``{name}-{index:05d}``) and, under the directory, its own:

* ``.dead-letter.jsonl``: the records of the partition that did not reach done;
* ``.checkpoint.json``: where a retried task resumes (the records already settled are not sent
  again);
* ``.lease``: held while a task runs the partition, renewed as it runs, so that a retried or
  speculative task never runs the same partition at the same time as another (it waits, then
  finds the partition done or resumes it); a dead task's lease expires;
* ``.report.json``: the partition's report once done, which a later task returns instead of
  pushing again.

The reports add up (`BulkReport.combine`), and `merge_dead_letters` writes the partitions' dead
letters as one file, in partition order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from attrs import field, frozen

from shopbridge.core._errors import ConfigurationError
from shopbridge.core.bulk._report import BulkOutcome, BulkReport

__all__ = ["PartitionedPush", "merge_dead_letters"]


def _method(client: Any, path: str) -> Callable[..., Any]:
    target = client
    for part in path.split("."):
        target = getattr(target, part, None)
        if target is None:
            msg = f"the client has no {path!r} (e.g. 'orders.push_many')"
            raise ConfigurationError(msg)
    if not callable(target):
        msg = f"{path!r} is not a method of the client"
        raise ConfigurationError(msg)
    return target  # type: ignore[no-any-return]


@frozen(kw_only=True)
class PartitionedPush:
    """A bulk push whose partitions run as tasks of a distributed engine.

    Attributes:
        client: builds the async client in the worker (``functools.partial(AsyncKanal,
            key, store, pacing=RedisPacing(url))``); it must pickle. Never shown in a repr:
            it holds the key.
        method: the bulk method, as a path on the client: ``orders.push_many``,
            ``customers.delete_many``, ``templates.push_many``...
        directory: storage every worker sees (a shared filesystem), for each partition's
            dead letter, checkpoint, lease and report.
        name: the job's name: partition ids are ``{name}-{index:05d}``.
        concurrency: requests in flight per partition.
        lease: seconds a partition's lease lasts without renewal (a dead task's expires).
    """

    client: Callable[[], Any] = field(repr=False)
    method: str
    directory: str | os.PathLike[str] = field(converter=str)
    name: str = "push"
    concurrency: int = 8
    lease: float = 60.0

    def partition_id(self, index: int) -> str:
        """The stable id of partition `index`."""
        return f"{self.name}-{index:05d}"

    def _path(self, index: int, suffix: str) -> Path:
        return Path(self.directory) / f"{self.partition_id(index)}{suffix}"

    def dead_letter(self, index: int) -> Path:
        """Where partition `index` writes its records that did not reach done."""
        return self._path(index, ".dead-letter.jsonl")

    def push(self, index: int, records: Iterable[Any] | str | os.PathLike[str]) -> BulkReport:
        """Push partition `index` (blocking; call it from a worker's task).

        Args:
            index: the partition's index (Spark's ``mapPartitionsWithIndex`` gives it).
            records: the partition's records, or a JSONL/CSV file of them.

        Returns:
            The partition's report (the stored one, when a task already pushed it).
        """
        Path(self.directory).mkdir(parents=True, exist_ok=True)
        with _Lease(self._path(index, ".lease"), seconds=self.lease):
            done = self._path(index, ".report.json")
            if done.exists():
                return _report_from_json(done.read_bytes())
            report = _run(self._push(index, records))
            temporary = done.with_suffix(".json.tmp")
            temporary.write_bytes(orjson.dumps(report.to_dict()))
            temporary.replace(done)
            return report

    async def _push(self, index: int, records: Any) -> BulkReport:
        async with self.client() as client:
            push = _method(client, self.method)
            report: BulkReport = await push(
                records,
                concurrency=self.concurrency,
                dead_letter=self.dead_letter(index),
                checkpoint=self._path(index, ".checkpoint.json"),
            )
            return report

    def push_partitions(self, partitions: Iterable[Any]) -> Iterator[BulkReport]:
        """Push ``(index, records)`` pairs one after the other.

        For Spark: ``rdd.mapPartitionsWithIndex(lambda i, rows: job.push_partitions([(i,
        rows)])).collect()``.
        """
        for index, records in partitions:
            yield self.push(index, records)


def _run(coroutine: Any) -> BulkReport:
    """Run `coroutine` on a loop of its own, even from a thread that runs one already."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)  # type: ignore[no-any-return]
    result: list[BulkReport] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="shopbridge-partition")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


class _Lease:
    """A lock file on shared storage, renewed while held; a stale one is taken over."""

    def __init__(self, path: Path, *, seconds: float) -> None:
        self._path = path
        self._seconds = seconds
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def __enter__(self) -> _Lease:
        while not self._take():
            time.sleep(min(0.2, self._seconds / 10))
        self._renewer = threading.Thread(target=self._renew, daemon=True, name="lease")
        self._renewer.start()
        return self

    def _take(self) -> bool:
        try:
            fd = os.open(self._path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                age = time.time() - self._path.stat().st_mtime
            except FileNotFoundError:
                return False  # released meanwhile: try again
            if age > self._seconds:
                # Its task died: the renaming is atomic, so one taker wins.
                stale = self._path.with_name(f"{self._path.name}.{self._owner}.stale")
                with contextlib.suppress(FileNotFoundError):
                    self._path.rename(stale)
                    stale.unlink()
            return False
        with os.fdopen(fd, "w") as file:
            file.write(self._owner)
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self._seconds / 3):
            with contextlib.suppress(FileNotFoundError):
                os.utime(self._path)

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        with contextlib.suppress(FileNotFoundError):
            if self._path.read_text() == self._owner:
                self._path.unlink()


def _report_from_json(data: bytes) -> BulkReport:
    fields = orjson.loads(data)
    for derived in ("done", "not_done", "ok"):
        fields.pop(derived, None)
    fields["counts"] = {BulkOutcome(name): count for name, count in fields["counts"].items()}
    if fields.get("dead_letter") is not None:
        fields["dead_letter"] = Path(fields["dead_letter"])
    return BulkReport(**fields)


def merge_dead_letters(
    job: PartitionedPush, partitions: Iterable[int], into: str | os.PathLike[str]
) -> int:
    """Write the dead letters of `partitions` (indexes) as one JSONL file, in their order.

    The result is valid input again: fix the records, push it. Returns the rows written; a
    partition with no dead letter (every record done) adds none.
    """
    rows = 0
    target = Path(into)
    temporary = target.with_name(f"{target.name}.tmp")
    with temporary.open("wb") as out:
        for index in partitions:
            path = job.dead_letter(index)
            if not path.exists():
                continue
            with path.open("rb") as part:
                for line in part:
                    if line.strip():
                        out.write(line if line.endswith(b"\n") else line + b"\n")
                        rows += 1
    temporary.replace(target)
    return rows
