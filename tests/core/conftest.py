"""The toy server for the core's tests: fresh for each test, on a background thread.

On its own thread, the server serves async tests and blocking ones alike (and a forked child,
whose parent keeps serving); a test switches its faults with ``set_faults(spec, seed=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.core.toy_sandbox import ToySandbox

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def toy_sandbox() -> Iterator[ToySandbox]:
    with ToySandbox().running_in_thread() as running:
        yield running
