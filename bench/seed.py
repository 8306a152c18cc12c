"""Benchmark `budgetloop seed`: wall time, peak memory and rows/s, against bare inserts.

Each size is seeded by the real CLI in a child process (its peak RSS is read with wait4).
The baseline, in the same run, copies the very rows that were generated into a fresh database
of the same schema with plain `sqlite3.executemany`: the cost of storing the data and nothing
else. The ratio says what generation, validation and the ORM layer add on top.

    .venv/bin/python bench/seed.py [--sizes 10000,100000] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import schema  # noqa: E402
from engine.db import create_db_engine  # noqa: E402
from engine.models import Base  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

BUDGETLOOP = Path(sys.executable).parent / "budgetloop"


def run_seed(url: str, instance: Path, projects: int) -> tuple[float, int]:
    """Seed in a child process; return (seconds, peak RSS in MiB)."""
    env = {**os.environ, "BUDGETLOOP_DATABASE_URL": url, "BUDGETLOOP_INSTANCE_DIR": str(instance)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(BUDGETLOOP), "seed", "--year", "2026", "--projects", str(projects)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"seed of {projects} projects failed")
    return elapsed, usage.ru_maxrss // 1024


def table_order() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def count_rows(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return sum(
            connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in table_order()
        )


def bare_copy(source: Path, target: Path) -> float:
    """Insert every row of `source` into the empty, migrated `target` with executemany."""
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA synchronous=NORMAL")
    writer.execute("PRAGMA foreign_keys=ON")
    started = time.perf_counter()
    writer.execute("BEGIN")
    for name in table_order():
        cursor = reader.execute(f'SELECT * FROM "{name}"')
        columns = len(cursor.description)
        sql = f'INSERT INTO "{name}" VALUES ({",".join("?" * columns)})'
        while rows := cursor.fetchmany(50_000):
            writer.executemany(sql, rows)
    writer.execute("COMMIT")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--postgres", action="store_true", help="also seed a PostgreSQL 15")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"{'database':<10} {'projects':>9} {'rows':>10} {'seconds':>8} {'peak MiB':>9} "
        f"{'rows/s':>9} {'bare s':>7} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as scratch:
        scratch = Path(scratch)
        for projects in sizes:
            seeded = scratch / f"seed-{projects}.sqlite3"
            migrate(f"sqlite:///{seeded}")
            seconds, peak = run_seed(f"sqlite:///{seeded}", scratch, projects)
            rows = count_rows(seeded)
            empty = scratch / f"bare-{projects}.sqlite3"
            engine = create_db_engine(f"sqlite:///{empty}")
            schema.upgrade(engine)  # tables only: the copy brings the reference rows too
            engine.dispose()
            bare = bare_copy(seeded, empty)
            print(
                f"{'sqlite':<10} {projects:>9,} {rows:>10,} {seconds:>8.1f} {peak:>9,} "
                f"{rows / seconds:>9,.0f} {bare:>7.1f} {seconds / bare:>6.1f}"
            )
        if args.postgres:
            cluster = ThrowawayPostgres().start()
            try:
                # The smallest size is enough to compare the backends.
                projects = sizes[0]
                migrate(cluster.url())
                seconds, peak = run_seed(cluster.url(), scratch, projects)
                print(f"{'postgresql':<10} {projects:>9,} {'':>10} {seconds:>8.1f} {peak:>9,}")
            finally:
                cluster.stop()


if __name__ == "__main__":
    main()
