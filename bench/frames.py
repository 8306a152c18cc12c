"""Benchmark a region switching to the 2021 indicator frame with N draft target tables (issue 13).

Seeds a province of N projects (each with a draft table of 6–15 indicators on the default frame),
then, in the same run:

- baseline: the bare write a switch cannot do without — one set-based UPDATE giving every draft
  table the new frame id (no indicator moved, no weight scaled, nothing audited);
- switch: `frames.choose` and then `frames.move_drafts` batch after batch (each a transaction of
  its own, MOVE_BATCH tables) until none is left, as `budgetloop frames choose` does: every
  indicator placed on its counterpart item, the weights scaled in cents, an audit event per table.

Prints milliseconds, tables per second, the slowest batch, and the switch's ratio to the baseline.

    .venv/bin/python bench/frames.py [--projects 10000] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

from engine import frames  # noqa: E402
from engine.actors import Actor  # noqa: E402
from engine.db import create_db_engine, session_factory, unit_of_work  # noqa: E402
from engine.frame_map import frame_named  # noqa: E402
from engine.models import Indicator, TargetTable  # noqa: E402
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

YEAR = 2026
ACTOR = Actor.system("bench")


def build(url: str, projects: int):
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        seed_province(session, SeedRequest(year=YEAR, projects=projects, seed=5))
    return engine, sessions


def run(name: str, url: str, projects: int) -> None:
    engine, sessions = build(url, projects)
    with sessions() as session:
        indicators = session.scalar(select(func.count()).select_from(Indicator))
    # Baseline, undone afterwards: the bare frame id written on every table at once.
    with sessions() as session:
        target = frame_named(session, "cost_2021", None, None).id
        started = time.perf_counter()
        session.execute(update(TargetTable).values(frame_id=target))
        baseline = (time.perf_counter() - started) * 1000
        session.rollback()
    started = time.perf_counter()
    with unit_of_work(sessions) as session:
        choice, moved = frames.choose(session, ACTOR, DEMO_REGION[0], YEAR, "cost_2021")
    slowest = (time.perf_counter() - started) * 1000
    batches = 1
    while moved:
        batch_started = time.perf_counter()
        with unit_of_work(sessions) as session:
            moved = frames.move_drafts(session, DEMO_REGION[0], YEAR)
        slowest = max(slowest, (time.perf_counter() - batch_started) * 1000)
        batches += 1 if moved else 0
    switch = (time.perf_counter() - started) * 1000
    with sessions() as session:
        on_new = session.scalar(select(func.count()).where(TargetTable.frame_id == target))
    engine.dispose()
    print(
        f"{name:<10} {projects:>9,} {indicators:>10,} {baseline:>10.1f} {switch:>10.1f} "
        f"{batches:>7} {slowest:>10.1f} {on_new / (switch / 1000):>9,.0f} "
        f"{switch / baseline:>8.0f}x"
    )
    assert on_new == projects, (on_new, projects)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{'database':<10} {'tables':>9} {'indicators':>10} {'bare ms':>10} {'switch ms':>10} "
        f"{'batches':>7} {'slowest ms':>10} {'tables/s':>9} {'ratio':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as scratch:
        run("sqlite", f"sqlite:///{scratch}/frames.sqlite3", args.projects)
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.projects)


if __name__ == "__main__":
    main()
