"""Driving simulated people through a province's year in several processes (PostgreSQL).

Each of K worker processes drives the instances of its partition (instance id modulo K) and
meets the others at a barrier around every move of the simulated clock (simulation.drive), so
all of them fire the same day's timers together. Used by `budgetloop demo --processes K` and
`bench/year.py --processes K`. Each worker draws its people's choices from its own random
stream (seed + its number), so a year driven by K processes is a different (equally valid)
year from the one a single process drives with the same seed.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
from dataclasses import dataclass
from datetime import datetime

from engine.composition import build_engine
from engine.db import create_db_engine, session_factory
from engine.demo.late_filing import BehindChoices, holding, late_units
from engine.demo.simulation import DriveStats, Simulation, drive
from engine.errors import InvalidInput
from engine.workflow.clock import ManualClock
from engine.workflow.partition import Partition


@dataclass(frozen=True)
class Leg:
    """Where a drive starts and stops, which instances it drives, and its people's seed."""

    start: datetime
    until: datetime
    scope: str | tuple[str, ...]
    seed: int
    # Units whose tasks of `hold_form` of `hold_year` wait for the next leg (late_filing.py).
    hold: frozenset[int] = frozenset()
    hold_year: int = 0
    hold_form: str = ""


def _worker(url: str, index: int, count: int, leg: Leg, barrier, results) -> None:
    engine = create_db_engine(url)
    try:
        clock = ManualClock(leg.start)
        with session_factory(engine)() as session:
            late = late_units(session)
        choices = BehindChoices(rng=random.Random(leg.seed + index), late_units=late)
        simulation = Simulation(build_engine(clock), choices)
        stats = drive(
            simulation,
            session_factory(engine),
            clock,
            until=leg.until,
            scope=leg.scope,
            partition=Partition(index, count),
            together=barrier.wait,
            may_complete=holding(leg.hold, leg.hold_year, leg.hold_form) if leg.hold else None,
        )
        results.put((index, stats, clock()))
    except BaseException:
        barrier.abort()  # the others stop waiting for this one
        raise
    finally:
        engine.dispose()


def drive_in_processes(url: str, count: int, leg: Leg) -> tuple[DriveStats, datetime]:
    """Drive `leg` in `count` processes; their summed stats and the clock where they stopped."""
    if not url.startswith("postgresql"):
        raise InvalidInput(
            "driving in several processes needs PostgreSQL: SQLite lets one transaction write "
            "at a time (use one process)",
            errors={"processes": "needs PostgreSQL"},
        )
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(count), context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, index, count, leg, barrier, results))
        for index in range(count)
    ]
    for worker in workers:
        worker.start()
    gathered = []
    while len(gathered) < count:
        try:
            gathered.append(results.get(timeout=1))
        except queue.Empty:
            # A worker that exits has fed its result to the pipe first: none alive, none to come.
            if not any(worker.is_alive() for worker in workers):
                break
    for worker in workers:
        worker.join()
    if len(gathered) < count or any(worker.exitcode for worker in workers):
        raise RuntimeError(f"a drive worker failed: exit codes {[w.exitcode for w in workers]}")
    total = DriveStats()
    for _, stats, _ in gathered:
        for name in ("tasks", "timers", "incidents", "conflicts"):
            setattr(total, name, getattr(total, name) + getattr(stats, name))
    return total, max(moment for _, _, moment in gathered)
