"""`BlockingFacade` on the blocking toy: running loops, Ctrl-C, closing, threads, fork, feeding.

What tests/kanal/test_sync.py checks through `Kanal`, checked here on the facade alone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._errors import (
    BlockingCallInEventLoopWarning,
    CheckpointError,
    CredentialsRejectedError,
    PayloadRejectedError,
)
from shopbridge.core.bulk._report import BulkOutcome
from shopbridge.core.sansio._policy import RetryPolicy
from tests.core.toy import API_KEY, Toy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from shopbridge.core._requests import EngineCounters
    from tests.core.toy import AsyncToy
    from tests.core.toy_sandbox import ToySandbox

ITEM = {"name": "lamp"}
PORTAL_THREAD = "shopbridge-Toy"


def connect(sandbox: ToySandbox, **options: Any) -> Toy:
    return Toy(API_KEY, "north", base_url=sandbox.base_url, **options)


def portal_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == PORTAL_THREAD]


async def counters_of(client: AsyncToy) -> EngineCounters:
    return client.counters


def loop_of(toy: Toy) -> asyncio.AbstractEventLoop | None:
    """The client's own event loop, once started."""
    running = toy._running
    return None if running is None else running.loop.loop


def serve_from_another_thread(toy: Toy) -> None:
    """One call from a second thread: the client's loop moves to a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(toy._call, counters_of).result(timeout=30)
    toy._portal(toy._running_now())  # the second thread's call found the loop idle: move it


# -- lifecycle ------------------------------------------------------------------------------------


def test_the_context_manager_starts_one_event_loop_in_the_callers_thread_and_stops_it(
    toy_sandbox: ToySandbox,
) -> None:
    with connect(toy_sandbox) as toy:
        loop = loop_of(toy)
        assert loop is not None  # started on entry, before any call
        assert toy.items.put("A", ITEM).status == 201
        assert toy.items.put("A", ITEM).status == 200
        assert loop_of(toy) is loop  # the same loop for every call
        assert portal_threads() == []  # run in the caller's thread: no thread, no hop
        closed_inside = toy.closed
    assert (closed_inside, toy.closed) == (False, True)
    assert loop.is_closed()
    assert portal_threads() == []


def test_a_served_loop_keeps_one_portal_thread_and_close_stops_it(toy_sandbox: ToySandbox) -> None:
    with connect(toy_sandbox) as toy:
        loop = loop_of(toy)
        assert toy.items.put("A", ITEM).status == 201
        serve_from_another_thread(toy)
        assert len(portal_threads()) == 1
        assert toy.items.put("A", ITEM).status == 200  # the same session, through the portal
        assert toy.items.put("B", ITEM).status == 201
        assert len(portal_threads()) == 1  # the same portal for every call
        assert loop_of(toy) is loop  # the same loop, moved to its thread
    assert loop is not None
    assert loop.is_closed()
    assert portal_threads() == []


def test_without_with_the_event_loop_starts_on_first_use_and_close_releases_it(
    toy_sandbox: ToySandbox,
) -> None:
    toy = connect(toy_sandbox)
    try:
        assert loop_of(toy) is None
        assert toy.items.create(ITEM).status == 201
        loop = loop_of(toy)
        assert loop is not None
    finally:
        toy.close()
    assert loop.is_closed()
    assert portal_threads() == []


def test_close_is_idempotent_and_a_closed_client_refuses(toy_sandbox: ToySandbox) -> None:
    toy = connect(toy_sandbox)
    toy.items.put("A", ITEM)
    toy.close()
    toy.close()
    assert toy.closed
    with pytest.raises(RuntimeError, match="this Toy is closed; create a new one"):
        toy.items.put("B", ITEM)
    with pytest.raises(RuntimeError, match="closed"), toy:
        pass
    assert portal_threads() == []
    assert toy_sandbox.stats.requests == 1


def test_a_client_never_used_closes_without_starting_anything() -> None:
    toy = Toy(API_KEY, "north", base_url="http://127.0.0.1:9/toy")
    toy.close()
    assert toy.closed
    assert portal_threads() == []


def test_an_error_inside_with_still_closes_the_client(toy_sandbox: ToySandbox) -> None:
    toy = connect(toy_sandbox)

    def fail_inside_with() -> None:
        with toy:
            toy.items.put("A", ITEM)
            raise KeyError("boom")

    with pytest.raises(KeyError):
        fail_inside_with()
    assert toy.closed
    assert portal_threads() == []


# -- called from a thread whose event loop runs ---------------------------------------------------


@pytest.mark.anyio
async def test_a_call_from_a_running_event_loop_works_and_warns_once(
    toy_sandbox: ToySandbox,
) -> None:
    with connect(toy_sandbox) as toy:
        with pytest.warns(BlockingCallInEventLoopWarning) as caught:
            assert toy.items.put("A", ITEM).status == 201
        assert len(caught) == 1
        assert caught[0].filename == __file__  # it points at the caller's line
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # warned already: silent from now on
            assert toy.items.put("B", ITEM).status == 201
            assert toy.items.create(ITEM).status == 201


def test_a_call_inside_asyncio_run_on_a_worker_thread_works(toy_sandbox: ToySandbox) -> None:
    def in_worker(toy: Toy) -> tuple[int, int]:
        async def notebook_cell() -> tuple[int, int]:
            with pytest.warns(BlockingCallInEventLoopWarning) as caught:
                status = toy.items.put("A", ITEM).status
            return status, len(caught)

        return asyncio.run(notebook_cell())

    with connect(toy_sandbox) as toy, ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(in_worker, toy).result(timeout=30) == (201, 1)


def test_calls_without_a_running_loop_never_warn(toy_sandbox: ToySandbox) -> None:
    with connect(toy_sandbox) as toy, warnings.catch_warnings():
        warnings.simplefilter("error")
        toy.items.put("A", ITEM)


# -- Ctrl-C ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals only")
def test_ctrl_c_cancels_the_call_in_flight_on_the_portal(toy_sandbox: ToySandbox) -> None:
    """SIGINT reaches the caller while the portal waits for a slow answer: the call stops there.

    Had it been left running, ``close()`` (which waits for the portal's tasks) would have let
    it finish, and its attempt would be counted.
    """
    toy = connect(toy_sandbox, retry=RetryPolicy(attempt_timeout=5, deadline=10))
    counters = toy._call(counters_of)  # the portal and the session exist before the Ctrl-C
    toy_sandbox.set_faults("slow=1:3")
    armed = threading.Event()

    def ctrl_c(signum: int, frame: object) -> None:
        if armed.is_set():
            raise KeyboardInterrupt

    def press_ctrl_c_once_the_request_is_in() -> None:
        deadline = time.monotonic() + 10
        while toy_sandbox.stats.requests < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    previous = signal.signal(signal.SIGINT, ctrl_c)
    presser = threading.Thread(target=press_ctrl_c_once_the_request_is_in)
    try:
        armed.set()
        presser.start()
        with pytest.raises(KeyboardInterrupt):
            toy.items.put("A", ITEM)
        armed.clear()
        presser.join(timeout=10)
    finally:
        armed.clear()
        signal.signal(signal.SIGINT, previous)
    toy.close()
    assert toy_sandbox.stats.requests == 1  # the one interrupted attempt reached the server
    assert (counters.calls, counters.attempts) == (1, 0)  # cancelled: never answered, never retried


# -- many threads, one client ---------------------------------------------------------------------


def test_sixteen_threads_share_one_client_and_one_portal(toy_sandbox: ToySandbox) -> None:
    ids = [f"item-{number}" for number in range(64)]
    start = threading.Barrier(16)

    def put(item_id: str) -> int:
        if int(item_id.split("-")[1]) < 16:
            start.wait(timeout=10)  # the first calls race to start the portal
        return toy.items.put(item_id, ITEM).status

    toy = connect(toy_sandbox)  # lazy: the portal starts under contention
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(put, ids))
        assert len(portal_threads()) == 1
    finally:
        toy.close()
    assert statuses == [201] * len(ids)
    assert sorted(toy_sandbox.records("north", "items")) == sorted(ids)
    assert toy_sandbox.stats.requests == len(ids)


# -- fork -----------------------------------------------------------------------------------------


def _fork() -> int:
    with warnings.catch_warnings():
        # Python 3.12+ warns that fork() in a process with threads may deadlock the child: that
        # is the situation under test (the server's and the portal's threads run).
        warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
        return os.fork()


def _in_child(work: Callable[[], bool]) -> None:
    code = 1
    try:
        code = 0 if work() else 2
    finally:
        os._exit(code)  # never return into pytest in the child


def _wait_for_child(pid: int, *, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"the forked child did not finish within {timeout} s")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
def test_a_forked_child_starts_its_own_portal_and_the_parent_keeps_its_own(
    toy_sandbox: ToySandbox,
) -> None:
    def child_works() -> bool:
        # The parent's portal thread did not survive the fork: a working call proves a new one.
        inherited = portal_threads()
        return inherited == [] and toy.items.put("child", ITEM).status == 201

    with connect(toy_sandbox, retry=RetryPolicy(deadline=5, attempt_timeout=3)) as toy:
        assert toy.items.put("parent-1", ITEM).status == 201
        serve_from_another_thread(toy)  # a portal thread, which the child does not inherit
        pid = _fork()
        if pid == 0:
            _in_child(child_works)
        assert _wait_for_child(pid, timeout=8) == 0
        assert toy.items.put("parent-2", ITEM).status == 201
        assert len(portal_threads()) == 1
    assert list(toy_sandbox.records("north", "items")) == ["parent-1", "child", "parent-2"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
def test_a_forked_child_starts_its_own_loop_and_the_parent_keeps_its_own(
    toy_sandbox: ToySandbox,
) -> None:
    def child_works() -> bool:
        # The parent's loop (its selector, its connections) is not the child's to run.
        works = toy.items.put("child", ITEM).status == 201
        return works and loop_of(toy) is not parents_loop

    with connect(toy_sandbox, retry=RetryPolicy(deadline=5, attempt_timeout=3)) as toy:
        assert toy.items.put("parent-1", ITEM).status == 201
        parents_loop = loop_of(toy)
        pid = _fork()
        if pid == 0:
            _in_child(child_works)
        assert _wait_for_child(pid, timeout=8) == 0
        assert toy.items.put("parent-2", ITEM).status == 201
        assert loop_of(toy) is parents_loop
    assert list(toy_sandbox.records("north", "items")) == ["parent-1", "child", "parent-2"]


# -- a sync iterable, fed from the caller's thread ------------------------------------------------


def test_a_sync_iterable_is_read_in_the_callers_thread(toy_sandbox: ToySandbox) -> None:
    threads: set[int] = set()

    def items() -> Iterator[dict[str, Any]]:
        for number in range(600):  # more than two batches of the feed
            threads.add(threading.get_ident())
            yield {"id": f"item-{number}", "name": "lamp"}

    with connect(toy_sandbox) as toy:
        report = toy.items.push_many(items(), concurrency=8)
        sized = toy.items.push_many([{"id": "one", "name": "lamp"}])
    assert threads == {threading.get_ident()}
    assert (report.total, report.counts[BulkOutcome.CREATED]) == (600, 600)
    assert (sized.total, sized.ok) == (1, True)
    assert len(toy_sandbox.records("north", "items")) == 601


def test_the_feeding_stops_when_the_run_fails(toy_sandbox: ToySandbox, tmp_path: Path) -> None:
    checkpoint = tmp_path / "cp.json"
    checkpoint.write_text("{}")
    pulled = 0

    def items() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for number in range(100_000):
            pulled += 1
            yield {"id": f"item-{number}", "name": "lamp"}

    with (
        connect(toy_sandbox) as toy,
        pytest.raises(CheckpointError, match="not a shopbridge checkpoint"),
    ):
        toy.items.push_many(items(), checkpoint=checkpoint)
    assert pulled < 100_000  # it stopped reading once the run had failed
    assert toy_sandbox.stats.requests == 0


def test_the_blocking_client_raises_the_async_clients_typed_errors(
    toy_sandbox: ToySandbox,
) -> None:
    with Toy("wrong-key", "north", base_url=toy_sandbox.base_url) as wrong:
        with pytest.raises(CredentialsRejectedError) as refused:
            wrong.items.put("A", ITEM)
        assert refused.value.verdict.rule == "toy-401"
    with connect(toy_sandbox) as toy, pytest.raises(PayloadRejectedError) as rejected:
        toy.items.put("A", {"name": 7})
    assert dict(rejected.value.field_errors) == {"name": ("name is required",)}
