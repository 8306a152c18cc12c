"""What the test processes of one run share when the suite runs on several cores (pytest-xdist).

Expensive starting points (the lived-in year, the demo province at work) are built once per run
and backend by whichever worker first asks, under a file lock, and read by the others; the
PostgreSQL cluster is started once by the controlling process (tests/conftest.py) and reached
by the workers through `POSTGRES_HANDLE`. Without workers the run is its own single sharer.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

T = TypeVar("T")

# The environment variable through which xdist workers find the run's PostgreSQL cluster.
POSTGRES_HANDLE = "BUDGETLOOP_TEST_POSTGRES"


def shared_root(tmp_path_factory, worker: bool) -> Path:
    """The folder every process of this run sees: a worker's base temp folder is one of the
    run's (`…/pytest-N/popen-gw0`), so its parent is common to them all."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if worker else base) / "shared"
    root.mkdir(exist_ok=True)
    return root


class Shared:
    """`once(name, build)`: the value `build()` returned in whichever process ran it first."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def once(self, name: str, build: Callable[[], T]) -> T:
        result = self.root / f"{name}.pickle"
        with FileLock(self.root / f"{name}.lock"):
            if result.exists():
                return pickle.loads(result.read_bytes())
            value = build()
            # Written whole before the lock is released: a reader never sees half of it.
            result.write_bytes(pickle.dumps(value))
            return value

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(exist_ok=True)
        return path
