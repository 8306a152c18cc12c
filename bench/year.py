"""Benchmark a province's whole year through the engine (what `budgetloop demo` runs), by stage.

    .venv/bin/python bench/year.py [--projects 1000] [--postgres] [--baseline]
    .venv/bin/python bench/year.py --projects 1000 --processes 1,2   # PostgreSQL, K workers

Stages: set-up (schema, reference data, processes), seed, starting the cycles, then the year as
simulated people work through it (filing, monitoring, evaluation, rectification and results,
split where the simulated clock enters each stage), and the summary.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from bench import year_parallel  # noqa: E402
from bench.year_split import TimeSplit  # noqa: E402
from engine import reference, schema  # noqa: E402
from engine.composition import build_engine, deploy_shipped  # noqa: E402
from engine.db import create_db_engine, session_factory, unit_of_work  # noqa: E402
from engine.demo.main import DEMO_ACTOR, _stage, _start_cycles  # noqa: E402
from engine.demo.simulation import Choices, Simulation, drive  # noqa: E402
from engine.models import ProcessInstance  # noqa: E402
from engine.report import pad, summarise  # noqa: E402
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province  # noqa: E402
from engine.workflow.clock import ManualClock  # noqa: E402
from engine.workflow.live_workflows import CAPACITY_VAR, MAX_CAPACITY  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

YEAR = 2026


def run(label: str, url: str, projects: int, *, before: bool = False) -> float:
    """One year; `before` runs it on the engine as it was before issue 12 (finished
    subprocesses kept in the state, every state read from its row). Returns the seconds."""
    timings: list[tuple[str, float]] = []
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings.append((name, now - mark))
        mark = now

    engine = create_db_engine(url)
    sessions = session_factory(engine)
    clock = ManualClock(datetime(YEAR, 1, 4, 1, 0, tzinfo=UTC))
    workflow = build_engine(clock, prune=not before, live=not before)
    schema.upgrade(engine)
    with unit_of_work(sessions) as session:
        reference.install(session)
        deploy_shipped(session, workflow, DEMO_ACTOR)
    lap("set-up")
    with unit_of_work(sessions) as session:
        seed_province(session, SeedRequest(year=YEAR, projects=projects, seed=1))
    lap("seed")
    split = TimeSplit()
    with split:
        _start_cycles(sessions, workflow, YEAR, lambda _line: None)
    lap("start cycles")
    current = {"stage": None}
    collector = CollectorTime()

    def progress(_stats, now) -> None:
        stage = _stage(YEAR, now)
        if stage != current["stage"]:
            if current["stage"] is not None:
                lap(current["stage"])
            current["stage"] = stage

    with collector, split:
        stats = drive(
            Simulation(workflow, Choices(rng=random.Random(1))),
            sessions,
            clock,
            until=datetime(YEAR + 1, 12, 31, tzinfo=UTC),
            scope=f"cycle:{YEAR}-",
            progress=progress,
        )
    lap(current["stage"])
    with sessions() as session:
        summary = summarise(session, DEMO_REGION[0], YEAR)
    lap("summary")
    total = sum(seconds for _, seconds in timings)
    print(
        f"{label}: {projects:,} projects, {stats.tasks:,} tasks, {stats.timers:,} timers, "
        f"{stats.incidents} incidents, {sum(summary.decisions.values()):,} decisions "
        f"in {total:.1f} s"
    )
    for name, seconds in timings:
        print(f"  {pad(name, 40)} {seconds:>8.1f} s  {seconds / total:>5.0%}")
    print(state_sizes(sessions))
    print(collector.line(total))
    print(split.lines())
    live = workflow.live
    print(
        f"  live workflows reused: {live.hits:,} of {live.hits + live.misses:,} commands "
        f"(kept at most {live.capacity:,}); peak memory {peak_rss_mib():.0f} MiB"
    )
    engine.dispose()
    return total


class CollectorTime:
    """Time Python's cyclic garbage collector spends, by generation (gc.callbacks).

    A worker keeps thousands of live workflows: every full collection walks all of them.
    """

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self._started = 0.0

    def __enter__(self) -> CollectorTime:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info["generation"]
        self.seconds[generation] += time.perf_counter() - self._started
        self.count[generation] += 1

    def line(self, total: float) -> str:
        spent = sum(self.seconds)
        return (
            f"  garbage collector: {spent:.1f} s ({spent / total:.1%}); full collections "
            f"{self.count[2]:,} taking {self.seconds[2]:.1f} s, younger "
            f"{self.count[0] + self.count[1]:,} taking {self.seconds[0] + self.seconds[1]:.1f} s"
        )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def state_sizes(sessions) -> str:
    """What the year's instances keep in their saved state (issue 12: it grows all year)."""
    with sessions() as session:
        sizes = sorted(
            len(state.encode("utf-8"))
            for state in session.scalars(
                select(ProcessInstance.state).where(
                    ProcessInstance.business_key.like(f"cycle:{YEAR}-%")
                )
            )
        )
    if not sizes:
        return "  no instances"
    mean = sum(sizes) / len(sizes) / 1024
    median = sizes[len(sizes) // 2] / 1024
    return (
        f"  instance state at the end: mean {mean:.1f} KiB, median {median:.1f} KiB, "
        f"max {sizes[-1] / 1024:.1f} KiB over {len(sizes):,} instances"
    )


def run_processes(cluster: ThrowawayPostgres, projects: int, counts: list[int]) -> None:
    """The same year driven by 1, 2, … processes on PostgreSQL, each on a fresh database."""
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    timings = {}
    for count in counts:
        database = f"year_{count}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        url = cluster.url(database)
        year_parallel.prepare(url, projects)
        seconds, (tasks, timers, incidents, conflicts), locks = year_parallel.drive_with_sampler(
            url, database, count
        )
        timings[count] = seconds
        print(
            f"postgresql, {count} process{'es' if count > 1 else ''}: {projects:,} projects, "
            f"{tasks:,} tasks, {timers:,} timers, {incidents} incidents, {conflicts} conflicts: "
            f"the year's work in {seconds:.1f} s ({seconds / projects * 1000:.1f} ms per project)"
        )
        print(f"  where the backends were (pg_stat_activity, sampled every 20 ms):\n{locks}")
    admin.dispose()
    base = timings.get(1)
    if base:
        for count, seconds in timings.items():
            if count > 1:
                print(f"  speed-up with {count} processes: {base / seconds:.2f}× (ratio to 1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="first run the same year on the engine as before issue 12 (no pruning, no live "
        "workflows) and print the ratio",
    )
    parser.add_argument(
        "--processes",
        default=None,
        help="comma-separated worker counts, e.g. 1,2: the year's work on PostgreSQL in that "
        "many processes each (implies --postgres; skips the single-process runs by stage)",
    )
    args = parser.parse_args()
    # A worker keeps the workflows of the instances it owns (here all of them, this year's and
    # next year's starts): BUDGETLOOP_LIVE_WORKFLOWS, unless set, is sized to hold them.
    os.environ.setdefault(CAPACITY_VAR, str(min(MAX_CAPACITY, 2 * args.projects + 100)))
    if args.processes:
        counts = [int(part) for part in args.processes.split(",")]
        with ThrowawayPostgres() as cluster:
            run_processes(cluster, args.projects, counts)
        return
    with tempfile.TemporaryDirectory(prefix="bench-year-") as scratch:
        if args.baseline:
            base = run(
                "sqlite, as before issue 12",
                f"sqlite:///{scratch}/before.sqlite3",
                args.projects,
                before=True,
            )
        now = run("sqlite", f"sqlite:///{scratch}/year.sqlite3", args.projects)
        if args.baseline:
            print(f"  the same year as before issue 12 / now: {base / now:.2f}× (ratio)")
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.projects)


if __name__ == "__main__":
    main()
