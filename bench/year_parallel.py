"""A province's year driven by several processes on PostgreSQL (bench/year.py --processes).

Set-up, seed and the cycles' starts run in this process; then K worker processes each drive
the instances of their partition (instance id modulo K) through the year, meeting at a barrier
around every move of the simulated clock (engine/demo/parallel.py). While they work, this
process samples `pg_stat_activity` every 20 ms to show where the time that does not scale goes:
the share of busy backends waiting for a lock, and on what.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from engine.composition import build_engine
from engine.demo.parallel import Leg, drive_in_processes
from tests.support.year import start_year

YEAR = 2026
START = datetime(YEAR, 1, 4, 1, 0, tzinfo=UTC)


def prepare(url: str, projects: int) -> None:
    engine, _, _ = start_year(url, build_engine, year=YEAR, projects=projects, seed=1)
    engine.dispose()


class LockSampler:
    """Samples what the database's active backends wait for, in a thread."""

    def __init__(self, url: str, database: str) -> None:
        self.engine = create_engine(url)
        self.database = database
        self.samples: Counter = Counter()
        self.busy = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        query = text(
            "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '') "
            "FROM pg_stat_activity WHERE datname = :db AND state = 'active' "
            "AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as connection:
            while not self._stop.is_set():
                for kind, name in connection.execute(query, {"db": self.database}):
                    self.samples[(kind, name)] += 1
                    self.busy += 1
                connection.commit()
                time.sleep(0.02)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()

    def report(self) -> str:
        if not self.busy:
            return "    no busy backend sampled"
        lines = []
        for (kind, name), count in self.samples.most_common(6):
            lines.append(f"    {count / self.busy:6.1%} of busy samples: {kind} {name}".rstrip())
        return "\n".join(lines)


def drive_with_sampler(url: str, database: str, count: int) -> tuple[float, tuple, str]:
    """Drive the prepared year with `count` processes: wall seconds, summed stats, lock report."""
    leg = Leg(START, datetime(YEAR + 1, 12, 31, tzinfo=UTC), f"cycle:{YEAR}-", 1)
    started = time.perf_counter()
    with LockSampler(url, database) as sampler:
        stats, _ = drive_in_processes(url, count, leg)
    seconds = time.perf_counter() - started
    totals = (stats.tasks, stats.timers, stats.incidents, stats.conflicts)
    return seconds, totals, sampler.report()
